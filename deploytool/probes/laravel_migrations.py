"""The pending Laravel migrations of a release: found once, in one PHP program, for every caller.

One round trip boots the app the way artisan does and prints one JSON line: the database driver,
how many migrations have run, the pending migration files in run order with their source (where
allow annotations and `$withinTransaction` live), and the live columns from the gate's read-only
schema query for that driver (so a widening can be proven). Two ways to hand it the files:

* `release_command`: a release that is built (the ship's check-migrations step, `check-migrations
  STAGE`): the files the migrator itself finds there. The SQL then comes from that release's own
  `php artisan migrate --pretend` (`pretend_command`), the framework that will really migrate.
* `mirror_command`: a commit that is only in the host's cached mirror (`plan`, which may not
  write): `git show` streams the commit's migration files into PHP booted from the *current*
  release, which pretends each pending one in memory with the connection's pretend mode (what
  `migrate --pretend` does) and prints the queries in migrate --pretend's own format. Caveats: the
  framework is the current release's, and a migration that needs classes only the new code has
  shows as unknown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..envelope import PHP_PROLOGUE
from ..shell import Cmd, script

# argv: mode (disk | stdin), the schema query for MySQL/MariaDB, for PostgreSQL. Run from a release.
# PHP_PROLOGUE: the command's secrets reach `php -r` code too (envelope.py)
PHP = (
    PHP_PROLOGUE
    + r"""
[, $mode, $myq, $pgq] = $argv;
$files = [];
if ($mode === 'stdin') {
  foreach (array_slice(explode("\x1e", stream_get_contents(STDIN)), 1) as $chunk) {
    [$name, $src] = array_pad(explode("\n", $chunk, 2), 2, '');
    $files[$name] = $src;
  }
  ksort($files);
}
require 'vendor/autoload.php';
$app = require 'bootstrap/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
$m = $app->make('migrator');
if ($mode !== 'stdin') {
  $paths = array_merge($m->paths(), [database_path('migrations')]);
  foreach ($m->getMigrationFiles($paths) as $path) {
    $files[basename($path)] = (string) file_get_contents($path);
  }
}
$ran = $m->repositoryExists() ? $m->getRepository()->getRan() : [];
$pending = [];
foreach ($files as $file => $src) {
  if (!in_array(substr($file, 0, -4), $ran, true)) { $pending[$file] = $src; }
}
$default = config('database.default');
$driver = config("database.connections.$default.driver");
$q = in_array($driver, ['mysql', 'mariadb'], true) ? $myq : ($driver === 'pgsql' ? $pgq : '');
$schema = []; $schema_error = '';
if ($q !== '') {
  try {
    foreach (Illuminate\Support\Facades\DB::select($q) as $r) {
      $schema[] = array_map(fn($v) => $v === null ? null : (string) $v, array_values((array) $r));
    }
  } catch (Throwable $e) { $schema_error = str_replace("\n", ' ', $e->getMessage()); }
}
echo json_encode(['driver' => $driver, 'ran' => count($ran), 'pending' => array_keys($pending),
  'sources' => $pending, 'schema' => $schema, 'schema_error' => $schema_error],
  JSON_INVALID_UTF8_SUBSTITUTE), PHP_EOL;
echo "\x1d", PHP_EOL;
if ($mode !== 'stdin') { exit(0); }
foreach ($pending as $file => $src) {
  $stem = substr($file, 0, -4);
  try {
    $class = Illuminate\Support\Str::studly(implode('_', array_slice(explode('_', $stem), 4)));
    $migration = class_exists($class, false) ? null : eval('?>' . $src);
    if (!is_object($migration)) { $migration = new $class; }
    $db = $app['db']->connection($migration->getConnection());
    $up = function () use ($migration) {
      if (method_exists($migration, 'up')) { $migration->up(); }
    };
    foreach ($db->pretend($up) as $query) { echo $stem, ': ', $query['query'], PHP_EOL; }
  } catch (Throwable $e) {
    echo $stem, ': failed to dump queries. ', str_replace("\n", ' ', $e->getMessage()), PHP_EOL;
  }
}
"""
)

# $1 mirror, $2 commit, $3 php, $4 the PHP above, then its argv. Run from the current release.
_MIRROR = r"""
m=$1 c=$2 php=$3 code=$4; shift 4
git --git-dir="$m" cat-file -e "$c^{commit}" 2>/dev/null || { echo NOT_IN_MIRROR; exit 0; }
git --git-dir="$m" ls-tree --name-only "$c" database/migrations/ | while read -r f; do
  case $f in
    *.php) printf '\036%s\n' "${f##*/}"; git --git-dir="$m" show "$c:$f"; printf '\n' ;;
  esac
done | "$php" -r "$code" -- stdin "$@"
"""


def release_command(php: str, release_dir: str, env, queries: tuple[str, str]) -> Cmd:
    return Cmd((php, "-r", PHP, "--", "disk", *queries), cwd=release_dir, env=env)


def pretend_command(php: str, release_dir: str, env) -> Cmd:
    return Cmd(
        (php, "artisan", "migrate", "--pretend", "--force", "--no-ansi"), cwd=release_dir, env=env
    )


def mirror_command(
    mirror: str, commit: str, php: str, current_dir: str, queries: tuple[str, str]
) -> Cmd:
    argv = script(_MIRROR, mirror, commit, php, PHP, *queries, name="deploytool-pending").argv
    return Cmd(argv, cwd=current_dir)


@dataclass(frozen=True)
class LaravelMigrations:
    known: bool  # False: see `why`
    why: str = ""
    driver: str = ""
    ran: int = 0
    files: tuple[str, ...] = ()  # pending migration files, in run order
    sources: dict[str, str] = field(default_factory=dict)
    schema_rows: tuple[tuple, ...] = ()  # rows of the gate's schema query
    schema_error: str = ""
    pretend: str = ""  # migrate --pretend style output (mirror_command only)


def parse(exit_code: int, stdout: str, stderr: str) -> LaravelMigrations:
    if stdout.strip() == "NOT_IN_MIRROR":
        return LaravelMigrations(
            False,
            "the target commit is not in the host's cached mirror yet (the ship fetches it); "
            "run plan with --fetch to update the mirror and see the migrations",
        )
    head, sep, rest = stdout.partition("\x1d\n")
    line = next((x for x in head.splitlines() if x.startswith("{")), "")
    if not sep or not line:
        text = stderr.strip() or stdout.strip() or f"exit code {exit_code}"
        first = next((x.strip() for x in text.splitlines() if x.strip()), text)
        return LaravelMigrations(False, f"cannot ask the release for its migrations: {first[:300]}")
    try:
        d = json.loads(line)
    except ValueError:
        return LaravelMigrations(False, "unreadable answer from PHP")
    return LaravelMigrations(
        True,
        "",
        str(d.get("driver") or ""),
        int(d.get("ran") or 0),
        tuple(d.get("pending") or ()),
        dict(d.get("sources") or {}),
        tuple(tuple(r) for r in d.get("schema") or ()),
        str(d.get("schema_error") or ""),
        rest,
    )
