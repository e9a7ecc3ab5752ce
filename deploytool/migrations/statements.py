"""One statement's SQL -> its operations, with the parser chosen per dialect."""

from __future__ import annotations

from . import ops, read_sqlglot


def read_statement(sql: str | None, dialect: str, note: str | None = None) -> list[ops.Op]:
    if sql is None:
        return [ops.Unknown(note or "its SQL is not known")]
    if not sql.strip():
        return []
    if dialect == "pgsql":
        from . import (
            read_pglast,
        )  # libpg_query's import costs ~0.2 s: only PostgreSQL stages pay it

        return read_pglast.read(sql)
    return read_sqlglot.read(sql, dialect)
