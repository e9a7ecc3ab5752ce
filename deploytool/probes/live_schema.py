"""The live schema the gate judges against: columns (type, nullability, charset, default), unique
keys and row estimates, read from the database's own catalog in one round trip.

Two ways in, one parser:
* a Laravel app: PHP boots the release (`vendor/autoload.php`, `bootstrap/app.php`) and runs the
  catalog queries for its default connection's driver through the app's own DB connection, so no
  credentials leave the app's `.env`;
* an app with raw `.sql` migrations: the database's command-line client from
  `migrations.database_url` (raw_migrations.client: the password travels in its environment).

Each row prints as `C|U|R<TAB>field<TAB>field…` (columns, unique keys, row estimates); `E<TAB>msg`
when a query failed, which makes the schema unknown (None), never half-known.
`php_command()`, `client_command()` build the commands; `parse()` is the pure parser.
"""

from __future__ import annotations

import json

from ..envelope import PHP_PROLOGUE
from ..migrations.live_schema import COLUMNS_QUERY, ROWS_QUERY, UNIQUE_QUERY, LiveSchema
from ..shell import Cmd, script
from .raw_migrations import Client

QUERIES = {
    d: {"C": COLUMNS_QUERY[d], "U": UNIQUE_QUERY[d], "R": ROWS_QUERY[d]}
    for d in ("mysql", "pgsql", "sqlite")
}
_DRIVERS = {"mysql": "mysql", "mariadb": "mysql", "pgsql": "pgsql", "sqlite": "sqlite"}

# argv[1]: the queries as JSON, per dialect. Prints D<TAB>driver first.
# PHP_PROLOGUE: the command's secrets reach `php -r` code too (envelope.py)
PHP = (
    PHP_PROLOGUE
    + r"""
require "vendor/autoload.php"; $app = require "bootstrap/app.php";
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
$c = config("database.default"); $d = config("database.connections.$c.driver");
echo "D\t", $d, "\n";
$map = ["mysql" => "mysql", "mariadb" => "mysql", "pgsql" => "pgsql", "sqlite" => "sqlite"];
$all = json_decode($argv[1], true);
if (!isset($map[$d])) { echo "E\tdriver $d has no catalog queries\n"; exit(0); }
foreach ($all[$map[$d]] as $tag => $q) {
  try {
    foreach (Illuminate\Support\Facades\DB::select($q) as $r) {
      $cells = array_map(
        fn($v) => $v === null ? "\\N" : str_replace(["\t", "\n"], " ", (string) $v),
        array_values((array) $r)
      );
      echo $tag, "\t", implode("\t", $cells), "\n";
    }
  } catch (Throwable $e) { echo "E\t", str_replace("\n", " ", $e->getMessage()), "\n"; }
}
"""
)


def php_command(php: str, release_dir: str, env: dict | None = None) -> Cmd:
    return Cmd((php, "-r", PHP, "--", json.dumps(QUERIES)), cwd=release_dir, env=env or {})


def client_argv(c: Client, query: str) -> tuple[str, ...]:
    """The client of raw_migrations, running `query` and printing tab-separated rows."""
    argv = list(c.argv)
    if c.dialect == "sqlite":  # sqlite3 -batch -noheader PATH QUERY
        return (*argv[:-1], "-separator", "\t", "-nullvalue", "\\N", query)
    flag = "--execute" if c.dialect == "mysql" else "-c"
    at = argv.index(flag)
    argv[at + 1] = query
    if c.dialect == "pgsql":
        argv[at:at] = ["-F", "\t", "-P", "null=\\N"]
    return tuple(argv)


# $1: where the query goes in the client's argv (1-based), then that argv. The queries travel in
# DT_Q_C, DT_Q_U, DT_Q_R; each run's rows are printed behind its tag; a failure prints E and stops.
_CLIENT = r"""
at=$1; shift
for tag in C U R; do
  case $tag in C) q=$DT_Q_C ;; U) q=$DT_Q_U ;; R) q=$DT_Q_R ;; esac
  n=$#; i=0
  for a in "$@"; do
    i=$((i+1)); if [ "$i" -eq "$at" ]; then set -- "$@" "$q"; else set -- "$@" "$a"; fi
  done
  shift "$n"
  if out=$("$@" 2>&1); then
    printf '%s\n' "$out" | while IFS= read -r line; do
      if [ -n "$line" ]; then printf '%s\t%s\n' "$tag" "$line"; fi
    done
  else
    printf 'E\t%s\n' "$(printf %s "$out" | head -n 1)"; exit 0
  fi
done
"""


def client_command(c: Client, release_dir: str, env: dict | None = None) -> Cmd:
    """The three catalog queries through the database's client, in one round trip."""
    queries = QUERIES[c.dialect]
    argv = client_argv(c, queries["C"])
    at = argv.index(queries["C"]) + 1
    s = script(_CLIENT, at, *argv, name="deploytool-live-schema")
    qenv = {f"DT_Q_{tag}": q for tag, q in queries.items()}
    return Cmd(s.argv, cwd=release_dir, env={**(env or {}), **c.env, **qenv})


def parse(out: str) -> tuple[str | None, LiveSchema | None, str | None]:
    """(driver or None, schema or None, error or None) from the tagged lines."""
    driver = None
    rows: dict[str, list[tuple[str, ...]]] = {"C": [], "U": [], "R": []}
    for line in out.splitlines():
        tag, _, rest = line.partition("\t")
        if tag == "D":
            driver = rest.strip()
        elif tag == "E":
            return driver, None, rest.strip()
        elif tag in rows:
            rows[tag].append(tuple(rest.split("\t")))
    if not rows["C"]:
        return driver, None, None
    schema = LiveSchema.from_rows(
        [r for r in rows["C"] if len(r) >= 4],
        [r for r in rows["U"] if len(r) >= 3],
        [r for r in rows["R"] if len(r) >= 2],
    )
    return driver, schema, None


def dialect_of_driver(driver: str | None) -> str | None:
    return _DRIVERS.get(driver or "")
