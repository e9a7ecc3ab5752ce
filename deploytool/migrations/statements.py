"""One statement's SQL -> its operations, with the parser chosen per dialect."""

from __future__ import annotations

import dataclasses
import re

from . import ops, read_sqlglot

_WORDS = re.compile(r"[a-z_]+")
# the table an ALTER TABLE names, read even where the parser cannot read the rest
_ALTERED = re.compile(
    r"\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?[`\"]?(\w+)[`\"]?(?:\s|$)", re.I
)


def read_statement(sql: str | None, dialect: str, note: str | None = None) -> list[ops.Op]:
    found = _read(sql, dialect, note)
    if sql and any(isinstance(op, ops.Unknown) for op in found):
        head = " ".join(_WORDS.findall(sql.lower()[:80])[:4])
        altered = _ALTERED.match(sql)
        table = altered.group(1) if altered else None
        found = [
            dataclasses.replace(o, head=head, table=o.table or table)
            if isinstance(o, ops.Unknown)
            else o
            for o in found
        ]
    return found


def _read(sql: str | None, dialect: str, note: str | None) -> list[ops.Op]:
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
