"""Type rules: column type changes (safe widenings pass) and enum changes."""

from __future__ import annotations

from .. import ops
from ..coltypes import change_cost, enum_change_why, read_type
from .base import MYSQL_PG, Rule, Scope


def _change_type(op, s: Scope):
    if isinstance(op, ops.AlterColumnType):
        if op.using:
            return (
                f"changes {op.table}.{op.column} to {op.type.sql} USING an expression: every row "
                "is rewritten"
            )
        return _against_live(op.table, op.column, op.type, None, s)
    if isinstance(op, ops.RedefineColumn) and op.new.type is not None:
        if op.new.type.name == "ENUM":
            return None  # the enum rule judges enum columns
        return _against_live(op.table, op.column, op.new.type, op.new.charset, s)
    return None


def _against_live(table: str, column: str, new, charset: str | None, s: Scope):
    info = s.live(table, column)
    if info is None:
        return (
            f"redefines {table}.{column} as {new.sql}; the live type is unknown, so the gate "
            "cannot show this is a free widening rather than a table rewrite or a narrowing that "
            "breaks old code"
        )
    old = read_type(info.type, s.dialect)
    if old.name == "ENUM":
        return None
    return change_cost(old, new, s.dialect, charset or info.charset)


def _enum_change(op, s: Scope):
    if isinstance(op, ops.EnumRenameValue):
        return (
            f"renames value {op.old!r} of enum {op.type_name} to {op.new!r}; old code still writes "
            f"{op.old!r}"
        )
    if (
        isinstance(op, ops.RedefineColumn)
        and op.new.type is not None
        and op.new.type.name == "ENUM"
    ):
        info = s.live(op.table, op.column)
        if info is None:
            return (
                f"redefines enum {op.table}.{op.column}; its live values are unknown, so the gate "
                "cannot show that values are only appended"
            )
        old = read_type(info.type, s.dialect)
        if old.name == "ENUM" and op.new.type.params[: len(old.params)] != old.params:
            return enum_change_why(old, op.new.type)
    return None


RULES = (
    Rule(
        "change-column-type",
        "locks-table",
        MYSQL_PG,
        "changing a column's type",
        "Add a column of the new type, write both, backfill in batches, switch reads, drop the old "
        "column later. Free in place: PostgreSQL varchar(n)->varchar(m>n)/text and numeric "
        "precision increases; MySQL varchar growth that stays on one side of 255 bytes.",
        _change_type,
    ),
    Rule(
        "enum-change",
        "breaks-old-code",
        MYSQL_PG,
        "removing, renaming or reordering enum values",
        "Only append values at the end. To retire a value, stop writing it in one release, migrate "
        "rows, then remove it in a later release.",
        _enum_change,
    ),
)
