"""The running release's code, searched for the names a pending migration drops or renames.

One command on the migration host: every identifier under `current` (vendor included) that holds
one of the names, unique, printed one per line. Left out, because the running release does not
run them while it serves: migrations, seeders, seeds, factories, tests, storage, node_modules,
.git. The judging is deploytool/migrations/running_code.py; this file only asks and reads.
"""

from __future__ import annotations

from ..shell import Cmd, script

NO_RELEASE = "deploytool: no running release"
SKIPPED = (
    "migrations",
    "seeders",
    "seeds",
    "factories",
    "tests",
    "storage",
    "node_modules",
    ".git",
)

# grep exits 1 when nothing matched (an answer) and 2 on an error (a file it could not read: then
# nothing is known, since the unread file may be the one naming the column)
_SEARCH = (
    '[ -d "$1" ] || { echo "' + NO_RELEASE + '"; exit 0; }\n'
    'cd "$1" || exit 3\n'
    "shift; pattern=$1; shift\n"
    'found=$(grep -rhoiIE "$@" -e "$pattern" .); rc=$?\n'
    '[ "$rc" -le 1 ] || exit "$rc"\n'
    '[ -z "$found" ] || printf "%s\\n" "$found" | sort -u\n'
)


def command(current_dir: str, pattern: str) -> Cmd:
    excludes = [f"--exclude-dir={d}" for d in SKIPPED]
    return script(_SEARCH, current_dir, pattern, *excludes, name="deploytool-running-code")


def parse(exit_code: int, stdout: str) -> str | None:
    """The identifiers found (grep's lines), or None: no running release, or the search failed."""
    if exit_code != 0 or stdout.strip() == NO_RELEASE:
        return None
    return stdout
