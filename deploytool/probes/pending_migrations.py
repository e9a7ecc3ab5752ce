"""The migrations a ship of `commit` would run, and their SQL, without building the release.

`check-migrations` builds the new release and runs `migrate --pretend` in it. A plan may not
write, so this probe streams the target commit's migration files out of the host's cached mirror
(`git show`, read-only) into PHP booted from the *current* release: PHP asks the migrations table
what has run, `eval`s each pending file in memory and records its queries with the connection's
pretend mode (what `migrate --pretend` does), printing them in migrate --pretend's own format so
deploytool.migrations.pretend reads them. Nothing touches the disk or the schema. The caveats:
the framework is the current release's (a ship that upgrades Laravel may generate slightly other
SQL), and a migration that needs classes only the new code has shows as unknown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..shell import Cmd, script

# $1 mirror, $2 commit, $3 php, $4 the PHP below. Run from the current release.
_SCRIPT = r"""
git --git-dir="$1" cat-file -e "$2^{commit}" 2>/dev/null || { echo NOT_IN_MIRROR; exit 0; }
git --git-dir="$1" ls-tree --name-only "$2" database/migrations/ | while read -r f; do
  case $f in
    *.php) printf '\036%s\n' "${f##*/}"; git --git-dir="$1" show "$2:$f"; printf '\n' ;;
  esac
done | "$3" -r "$4"
"""

PHP = r"""
$files = [];
foreach (array_slice(explode("\x1e", stream_get_contents(STDIN)), 1) as $chunk) {
  [$name, $src] = array_pad(explode("\n", $chunk, 2), 2, '');
  $files[$name] = $src;
}
ksort($files);
require 'vendor/autoload.php';
$app = require 'bootstrap/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
$migrator = $app->make('migrator');
$ran = $migrator->repositoryExists() ? $migrator->getRepository()->getRan() : [];
$default = config('database.default');
$pending = [];
foreach ($files as $file => $src) {
  $stem = substr($file, 0, -4);
  if (!in_array($stem, $ran, true)) { $pending[$file] = $src; }
}
echo json_encode(['driver' => config("database.connections.$default.driver"), 'ran' => count($ran),
  'pending' => array_keys($pending), 'sources' => $pending], JSON_INVALID_UTF8_SUBSTITUTE), PHP_EOL;
echo "\x1d", PHP_EOL;
foreach ($pending as $file => $src) {
  $stem = substr($file, 0, -4);
  try {
    $class = Illuminate\Support\Str::studly(implode('_', array_slice(explode('_', $stem), 4)));
    $migration = class_exists($class, false) ? null : eval('?>' . $src);
    if (!is_object($migration)) { $migration = new $class; }
    $db = $app['db']->connection($migration->getConnection());
    $queries = $db->pretend(function () use ($migration) {
      if (method_exists($migration, 'up')) { $migration->up(); }
    });
    foreach ($queries as $q) { echo $stem, ': ', $q['query'], PHP_EOL; }
  } catch (Throwable $e) {
    echo $stem, ': failed to dump queries. ', str_replace("\n", ' ', $e->getMessage()), PHP_EOL;
  }
}
"""


def pending_command(mirror: str, commit: str, php: str, current_dir: str):
    return Cmd(
        script(_SCRIPT, mirror, commit, php, PHP, name="deploytool-pending").argv, cwd=current_dir
    )


@dataclass(frozen=True)
class Pending:
    known: bool  # False: see `why`
    why: str = ""
    driver: str = ""
    ran: int = 0
    files: tuple[str, ...] = ()  # pending migration files, in run order
    sources: dict = field(default_factory=dict)
    pretend: str = ""  # migrate --pretend style output


def parse_pending(exit_code: int, stdout: str, stderr: str) -> Pending:
    if stdout.strip() == "NOT_IN_MIRROR":
        return Pending(
            False,
            "the target commit is not in the host's cached mirror yet (the ship fetches it); "
            "run plan with --fetch to update the mirror and see the migrations",
        )
    head, sep, rest = stdout.partition("\x1d\n")
    line = next((row for row in head.splitlines() if row.startswith("{")), "")
    if not sep or not line:
        text = stderr.strip() or stdout.strip() or f"exit code {exit_code}"
        first = next((row.strip() for row in text.splitlines() if row.strip()), text)
        return Pending(False, f"cannot ask the current release for its migrations: {first[:300]}")
    try:
        d = json.loads(line)
    except ValueError:
        return Pending(False, "unreadable answer from PHP")
    return Pending(
        True,
        "",
        str(d.get("driver") or ""),
        int(d.get("ran") or 0),
        tuple(d.get("pending") or ()),
        dict(d.get("sources") or {}),
        rest,
    )
