"""Raw `.sql` migrations (apps that are not Laravel): which files are pending, in one round trip.

Pending = a `*.sql` file in the release's `migrations.sql_dir` whose version is not recorded in
`migrations.sql_table` (column `migrations.sql_column`). A file's version is its name without
`.sql`, or the digits before its first `_` (dbmate, golang-migrate and Rails record those):
`20240101120000_add_email.sql` is applied if either `20240101120000_add_email` or `20240101120000`
is in the table. A table that does not exist yet means nothing is applied (a first deploy).

The database is reached with its own command-line client on the migration host (`mysql`, `psql`,
`sqlite3`), from `migrations.database_url`; the password travels in the client's environment
variable (MYSQL_PWD, PGPASSWORD: an ExportedSecret, handed over on stdin by envelope.py), never on
a command line, and is redacted like every secret.
`client()` and `parse()` are pure; `command()` is the one remote script.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..redaction import ExportedSecret
from ..shell import Cmd, script

SEP = "\x1f"
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
SCHEMES = {
    "mysql": "mysql",
    "mariadb": "mysql",
    "postgres": "pgsql",
    "postgresql": "pgsql",
    "sqlite": "sqlite",
}

# $1 directory (relative to the release), $2 pattern of the client's "no such table" error, then
# the client argv. Prints A<SEP>version per applied row (or T: no table yet), then
# F<SEP>name<SEP>base64.
_SCRIPT = r"""
d=$1; missing=$2; shift 2
[ -d "$d" ] || { echo "no directory $d in the release (migrations.sql_dir)" >&2; exit 3; }
err=$(mktemp) || exit 4
if out=$("$@" 2>"$err"); then
  printf '%s\n' "$out" | while IFS= read -r v; do [ -n "$v" ] && printf 'A\037%s\n' "$v"; done
elif grep -Eqi "$missing" "$err"; then
  echo T
else
  cat "$err" >&2; rm -f "$err"; exit 4
fi
rm -f "$err"
for f in "$d"/*.sql; do
  [ -e "$f" ] || continue
  printf 'F\037%s\037' "${f##*/}"; base64 -w0 < "$f"; printf '\n'
done
"""


@dataclass(frozen=True)
class Client:
    dialect: str  # mysql | pgsql | sqlite (the gate's dialect names)
    argv: tuple[str, ...]
    env: dict[str, str]
    missing_table: str  # ERE matching the client's "table does not exist" error


def dialect_of(url: str) -> str | None:
    return SCHEMES.get(urlsplit(url).scheme.lower())


def password_of(url: str) -> str:
    return unquote(urlsplit(url).password or "")


def _quote(name: str, q: str) -> str:
    return ".".join(q + part + q for part in name.split("."))


def client(url: str, table: str, column: str) -> Client:
    """The client command that prints the recorded versions, one per line. `table` and `column`
    are plain identifiers (the loader checks IDENT), quoted here for the dialect."""
    u = urlsplit(url)
    dialect = SCHEMES[u.scheme.lower()]
    q = "`" if dialect == "mysql" else '"'
    query = f"SELECT {_quote(column, q)} FROM {_quote(table, q)}"
    if dialect == "sqlite":
        # SQLAlchemy's convention: sqlite:///relative/to/the/release, sqlite:////absolute
        path = unquote(u.path[1:] if u.path.startswith("/") else u.path)
        return Client(dialect, ("sqlite3", "-batch", "-noheader", path, query), {}, "no such table")
    db = unquote(u.path.lstrip("/"))
    env = (
        {"MYSQL_PWD" if dialect == "mysql" else "PGPASSWORD": ExportedSecret(unquote(u.password))}
        if u.password
        else {}
    )
    user = unquote(u.username) if u.username else None
    if dialect == "mysql":
        argv = ["mysql", "--batch", "--skip-column-names"]
        argv += ["--host", u.hostname] if u.hostname else []
        argv += ["--port", str(u.port)] if u.port else []
        argv += ["--user", user] if user else []
        return Client(dialect, (*argv, "--execute", query, db), env, "doesn't exist|ERROR 1146")
    argv = ["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    argv += ["-h", u.hostname] if u.hostname else []
    argv += ["-p", str(u.port)] if u.port else []
    argv += ["-U", user] if user else []
    argv += ["-d", db] if db else []
    return Client(dialect, (*argv, "-c", query), env, "does not exist")


def command(sql_dir: str, c: Client, release_dir: str, app_env: dict | None = None) -> Cmd:
    s = script(_SCRIPT, sql_dir, c.missing_table, *c.argv, name="deploytool-raw-migrations")
    return Cmd(s.argv, cwd=release_dir, env={**(app_env or {}), **c.env})


@dataclass(frozen=True)
class RawFiles:
    applied: frozenset[str]
    table_exists: bool
    files: tuple[tuple[str, str], ...]  # (file name, text), sorted by name

    def pending(self) -> tuple[tuple[str, str], ...]:
        return tuple((n, t) for n, t in self.files if not (versions(n) & self.applied))


def versions(name: str) -> set[str]:
    stem = name[:-4] if name.endswith(".sql") else name
    head = stem.split("_", 1)[0]
    return {stem, head} if head.isdigit() else {stem}


def parse(out: str) -> RawFiles:
    applied, files, table = set(), [], True
    for line in out.splitlines():
        kind, _, rest = line.partition(SEP)
        if kind == "A":
            applied.add(rest.strip())
        elif line == "T":
            table = False
        elif kind == "F":
            name, _, b64 = rest.partition(SEP)
            files.append((name, base64.b64decode(b64).decode("utf-8", "replace")))
    return RawFiles(frozenset(applied), table, tuple(sorted(files)))
