"""`check-migrations --sql FILE --dialect D`: the pending migration is a file of SQL statements,
read here; no host, no database. An unreadable file is a ConfigError (exit 3), like any input."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..migrations.report import PendingMigration
from ..migrations.sqlfiles import split_statements
from .verdict import Pending


def read_sql(path: Path | str, dialect: str) -> Pending:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            [f"{path}: cannot read: {reason}"], "pass a readable file with --sql"
        ) from None
    migration = PendingMigration(path.name, str(path), tuple(split_statements(text, dialect)), text)
    return Pending(dialect, (migration,), None, str(path))
