"""One statement's SQL -> its operations, with the parser chosen per dialect."""
from __future__ import annotations

from . import ops, read_pglast, read_sqlglot


def read_statement(sql: str | None, dialect: str, note: str | None = None) -> list[ops.Op]:
    if sql is None:
        return [ops.Unknown(note or "its SQL is not known")]
    if not sql.strip():
        return []
    if dialect == "pgsql":
        return read_pglast.read(sql)
    return read_sqlglot.read(sql, dialect)
