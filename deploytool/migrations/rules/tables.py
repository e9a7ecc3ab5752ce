"""Table rules: drop, rebuild, rename, truncate, and dropping a whole schema or database."""

from __future__ import annotations

from .. import ops
from ..ops import key
from .base import ALL, Rule, Scope

_SYSTEM_TABLES = {"sqlite_sequence"}


def _rebuilt(op: ops.DropTable, s: Scope) -> bool:
    """DROP t … CREATE t … INSERT INTO t SELECT: a copy-and-swap rebuild, e.g. Doctrine on
    SQLite."""
    k = key(op.table)
    created = any(isinstance(o, ops.CreateTable) and key(o.table) == k for o in s.later)
    refilled = any(
        isinstance(o, ops.Insert) and o.from_select and key(o.table) == k for o in s.later
    )
    return created and refilled


def absent(table: str, s: Scope) -> bool:
    """The live schema is known and has no such table: dropping it drops nothing."""
    return s.schema is not None and bool(s.schema.columns) and not s.schema.has_table(table)


def _drop_table(op, s: Scope):
    if (
        isinstance(op, ops.DropTable)
        and not _rebuilt(op, s)
        and not absent(op.table, s)
        and not s.unused_table(op.table)  # rules/running.py says so instead
    ):
        if op.kind == "view":
            return f"drops view {op.table} that old code may still query"
        return f"drops {op.table} and every row in it while old workers may still query it"
    return None


def _rebuild(op, s: Scope):
    if isinstance(op, ops.DropTable) and op.kind == "table" and _rebuilt(op, s):
        return (
            f"rebuilds {op.table} by copying it into a new table: writes are blocked throughout, "
            "rows old workers write during the copy can be lost, and any column not copied is "
            "dropped"
        )
    return None


def _rename_table(op, s: Scope):
    if isinstance(op, ops.RenameTable) and not s.unused_table(op.table):
        return f"renames {op.kind} {op.table} to {op.to}; old code keeps using {op.table} and fails"
    return None


def _copy(op, s: Scope):
    if isinstance(op, ops.CopyTable):
        return f"{op.why}: {op.table} is copied whole while writes wait"
    return None


def _truncate(op, s: Scope):
    if isinstance(op, ops.Truncate):
        why = f"deletes every row of {op.table}"
        if op.cascade:
            why += (
                " and, through CASCADE, of every table with a foreign key to it (Laravel's "
                "truncate() adds CASCADE on PostgreSQL)"
            )
        return why
    return None


def _drop_schema(op, s: Scope):
    if isinstance(op, ops.DropSchema):
        return f"drops {op.kind} {op.name} with everything in it"
    return None


def _delete_all(op, s: Scope):
    if (
        isinstance(op, ops.Write)
        and op.kind == "delete"
        and not op.has_where
        and key(op.table) not in _SYSTEM_TABLES
    ):
        return (
            f"deletes every row of {op.table} (a DELETE without WHERE; Laravel's truncate() on "
            "SQLite is one)"
        )
    return None


RULES = (
    Rule(
        "drop-table",
        "data-loss",
        ALL,
        "dropping a table or view old code still uses",
        "Stop using the table in one release and let old workers drain; back it up or rename it "
        "aside, and drop it in a later release.",
        _drop_table,
    ),
    Rule(
        "table-rebuild",
        "locks-table",
        ALL,
        "rebuilding a table by copy (drop, create, copy back)",
        "Use a single ALTER TABLE for the change (SQLite 3.35+ can DROP COLUMN, 3.25+ RENAME "
        "COLUMN), or run the rebuild in a maintenance window.",
        _rebuild,
    ),
    Rule(
        "table-copy",
        "locks-table",
        ALL,
        "a statement that copies or rewrites the whole table",
        "Leave the engine to choose an in-place algorithm (drop ALGORITHM=COPY, FORCE, ENGINE=); "
        "run rebuilds (OPTIMIZE, VACUUM FULL, CLUSTER, charset conversion) in a maintenance "
        "window or with an online schema change tool.",
        _copy,
    ),
    Rule(
        "rename-table",
        "breaks-old-code",
        ALL,
        "renaming a table, view or schema",
        "Create the new table, write both, backfill, move reads, and drop the old one in a later "
        "release; or rename and leave a view under the old name until old workers are gone.",
        _rename_table,
    ),
    Rule(
        "truncate",
        "data-loss",
        ALL,
        "emptying a table",
        "Delete only the rows you mean to, in batches from a job; if the table is unused, stop "
        "using it and drop it in a later release.",
        _truncate,
    ),
    Rule(
        "delete-all-rows",
        "data-loss",
        ALL,
        "deleting every row of a table",
        "Delete only the rows you mean to, in batches by primary key from a job.",
        _delete_all,
    ),
    Rule(
        "drop-schema",
        "data-loss",
        ALL,
        "dropping a schema or database",
        "Never from a deploy: do it by hand after a backup.",
        _drop_schema,
        on_new_tables=True,
    ),
)
