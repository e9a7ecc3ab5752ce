"""Column rules: drop, rename, NOT NULL without a default, NULL-ability changes, rewriting adds."""

from __future__ import annotations

from .. import ops
from ..ops import key
from .base import ALL, MYSQL_PG, PG, Rule, Scope


def _drop_column(op, s: Scope):
    if (
        isinstance(op, ops.DropColumn)
        and not s.is_new_column(op.table, op.column)
        and not s.unused_column(op.column)  # rules/running.py says so instead
    ):
        return (
            f"drops {op.table}.{op.column} while old workers still select, hydrate and insert it; "
            "their queries fail as soon as the column is gone"
        )
    return None


def _rename_column(op, s: Scope):
    if (
        isinstance(op, ops.RenameColumn)
        and not s.is_new_column(op.table, op.column)
        and not s.unused_column(op.column)
    ):
        return (
            f"renames {op.table}.{op.column} to {op.to}; old code keeps using the name {op.column} "
            "and fails"
        )
    return None


def _add_not_null(op, s: Scope):
    if not isinstance(op, ops.AddColumn):
        return None
    c = op.column
    if (
        c.not_null
        and c.default is None
        and not (c.auto_increment or c.generated_stored or c.primary_key)
    ):
        return (
            f"adds {op.table}.{c.name} NOT NULL without a default: old code inserts rows without "
            "it and every such INSERT fails (and the ALTER itself fails if the table has rows)"
        )
    return None


def _set_not_null(op, s: Scope):
    if isinstance(op, ops.SetNotNull):
        return (
            f"sets {op.table}.{op.column} NOT NULL: PostgreSQL scans the whole table under an "
            "ACCESS EXCLUSIVE lock, and old code that writes NULL there starts failing"
        )
    if isinstance(op, ops.RedefineColumn) and op.new.not_null:
        info = s.live(op.table, op.column)
        if info is not None and info.nullable:
            return (
                f"makes {op.table}.{op.column} NOT NULL (it is nullable now): old code that writes "
                "NULL there starts failing, and the ALTER fails if a NULL row exists"
            )
    return None


def _drop_not_null(op, s: Scope):
    if isinstance(op, ops.DropNotNull):
        return f"makes {op.table}.{op.column} nullable: old code may assume it is never NULL"
    if isinstance(op, ops.RedefineColumn) and not op.new.not_null and not op.new.primary_key:
        info = s.live(op.table, op.column)
        if info is not None and info.nullable is False:
            return (
                f"makes {op.table}.{op.column} nullable (it is NOT NULL now): old code may assume "
                "it never is"
            )
    return None


def _made_nullable(op, s: Scope) -> bool:
    """The same migration makes the column nullable before this (each step then accepts an
    INSERT that omits it), or after it inside the one transaction (no session sees between)."""
    seen = s.earlier + (s.later if s.transactional else ())
    return any(
        (isinstance(o, ops.DropNotNull) or isinstance(o, ops.RedefineColumn) and not o.new.not_null)
        and key(o.table) == key(op.table)
        and o.column.lower() == op.column.lower()
        for o in seen
    )


def _drop_default(op, s: Scope):
    if isinstance(op, ops.DropDefault):
        info = s.live(op.table, op.column)
        if info is not None and info.nullable or _made_nullable(op, s):
            return None  # old INSERTs that omit it get NULL, as they would have
        return (
            f"drops the default of {op.table}.{op.column}"
            + (" (NOT NULL)" if info is not None else " (nullability unknown)")
            + ": old code's INSERTs that omit it start failing"
        )
    if isinstance(op, ops.RedefineColumn) and op.new.default is None and op.new.not_null:
        info = s.live(op.table, op.column)
        if info is not None and info.has_default and not op.new.auto_increment:
            return (
                f"redefines {op.table}.{op.column} NOT NULL without its default ({info.default}): "
                "old code's INSERTs that omit it start failing"
            )
    return None


def _volatile_default(op, s: Scope):
    if (
        isinstance(op, ops.AddColumn)
        and op.column.default is not None
        and op.column.default.volatile
    ):
        return (
            f"adds {op.table}.{op.column.name} DEFAULT {op.column.default.sql}: "
            f"{op.column.default.why}; the table is rewritten while writes wait"
        )
    return None


def _rewriting_column(op, s: Scope):
    if not isinstance(op, ops.AddColumn):
        return None
    c = op.column
    if c.auto_increment or c.generated_stored:
        what = "a serial/identity/AUTO_INCREMENT" if c.auto_increment else "a stored generated"
        how = (
            "rewrites the table under an ACCESS EXCLUSIVE lock"
            if s.dialect == "pgsql"
            else "copies or rebuilds the table while writes wait"
        )
        return f"adds {what} column {op.table}.{c.name}: filling it for every existing row {how}"
    return None


def _json_column(op, s: Scope):
    if (
        isinstance(op, ops.AddColumn)
        and op.column.type is not None
        and op.column.type.name == "JSON"
    ):
        return (
            f"adds {op.table}.{op.column.name} as json, which has no equality operator: old "
            "queries on this table using SELECT DISTINCT, UNION or GROUP BY over all columns "
            "start failing"
        )
    return None


RULES = (
    Rule(
        "drop-column",
        "breaks-old-code",
        ALL,
        "dropping a column old code still uses",
        "Contract in two releases: first ship code that no longer reads or writes the column (drop "
        "it from models, $fillable, $casts and queries) and let old workers drain; drop it in a "
        "later release.",
        _drop_column,
    ),
    Rule(
        "rename-column",
        "breaks-old-code",
        ALL,
        "renaming a column old code still uses",
        "Expand/contract: add the new column, write both (in code or with a trigger), backfill in "
        "batches, switch reads to the new one, and drop the old column in a later release.",
        _rename_column,
    ),
    Rule(
        "add-not-null-column",
        "breaks-old-code",
        ALL,
        "adding a NOT NULL column without a default",
        "Add the column nullable or with a constant default, ship code that always sets it, "
        "backfill in batches, and only then add NOT NULL.",
        _add_not_null,
    ),
    Rule(
        "set-not-null",
        "breaks-old-code",
        MYSQL_PG,
        "setting NOT NULL on an existing column",
        "First ship code that never writes NULL and backfill. On PostgreSQL add CHECK (col IS NOT "
        "NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL (12+ skips the scan) "
        "and drop the check.",
        _set_not_null,
    ),
    Rule(
        "drop-not-null",
        "breaks-old-code",
        MYSQL_PG,
        "making a NOT NULL column nullable",
        "Ship code that tolerates NULL in this column before any code writes NULL to it.",
        _drop_not_null,
        default="warn",
    ),
    Rule(
        "drop-default",
        "breaks-old-code",
        MYSQL_PG,
        "dropping a default that old code's INSERTs rely on",
        "Ship code that always sets the column first; drop the default in a later release.",
        _drop_default,
    ),
    Rule(
        "volatile-default",
        "locks-table",
        MYSQL_PG,
        "adding a column whose default rewrites the table",
        "Add the column without a default (or with a constant one), then SET DEFAULT for new rows "
        "and backfill existing rows in batches from a job.",
        _volatile_default,
    ),
    Rule(
        "add-rewriting-column",
        "locks-table",
        MYSQL_PG,
        "adding a serial, identity or stored generated column",
        "Add a plain nullable column, fill it in batches, then attach the sequence/default; for a "
        "new key build a unique index concurrently and attach it.",
        _rewriting_column,
    ),
    Rule(
        "add-json-column",
        "breaks-old-code",
        PG,
        "adding a json (not jsonb) column",
        "Use jsonb, which has an equality operator.",
        _json_column,
        default="warn",
    ),
)
