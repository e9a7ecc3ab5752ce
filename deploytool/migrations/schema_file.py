"""`--schema FILE`: read a schema dump from disk into a LiveSchema (schema_dump parses the text).

Plain SQL dumps (mysqldump / mariadb-dump `--no-data`, Laravel's `mysql-schema.dump`, `pg_dump -s`)
are read as they are. Laravel 8 writes `pgsql-schema.dump` in pg_dump's custom format (`-Fc`,
magic `PGDMP`): that one is turned into SQL by the local `pg_restore --schema-only -f -`, the
PostgreSQL client tool that made it. Errors are SchemaFileError with one line saying what to do.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .schema_dump import Dump, read_dump


class SchemaFileError(Exception):
    pass


def load_schema_file(path: Path, dialect: str | None = None) -> Dump:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SchemaFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if raw.startswith(b"PGDMP"):
        return read_dump(_pg_restore(Path(path)), "pgsql")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SchemaFileError(
            f"{path}: not a text schema dump (nor pg_dump's custom format)"
        ) from None
    dump = read_dump(text, dialect)
    if not dump.tables:
        raise SchemaFileError(f"{path}: no CREATE TABLE found: is this a schema dump?")
    return dump


def _pg_restore(path: Path) -> str:
    tool = shutil.which("pg_restore")
    if tool is None:
        raise SchemaFileError(
            f"{path} is in pg_dump's custom format: reading it needs pg_restore "
            "(the postgresql-client package)"
        )
    done = subprocess.run(
        [tool, "--schema-only", "--no-owner", "-f", "-", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise SchemaFileError(f"{path}: pg_restore: {first}")
    return done.stdout
