"""Data rules: backfills that touch a whole table in one statement.

A write whose WHERE pins a unique key (read from the live schema) touches a row or a few: a data
fix, not a backfill. So is one over a table the live statistics count at most SMALL_TABLE rows
(an estimate of 0 says nothing: a table never analysed reads 0 too).
"""

from __future__ import annotations

from .. import ops
from ..ops import key
from .base import ALL, Rule, Scope

# Laravel's truncate() on SQLite resets the sequence row by row; it is bounded by design.
_SYSTEM_TABLES = {"sqlite_sequence"}


# Rows: a statement over all of them holds its locks for milliseconds, not a backfill's minutes.
SMALL_TABLE = 10_000


def pins_a_row(op: ops.Write, s: Scope) -> bool:
    """The WHERE fixes every column of one of the table's unique keys (live schema)."""
    if s.schema is None or not op.pinned:
        return False
    pinned = set(op.pinned)
    return any(set(k) <= pinned for k in s.schema.unique_keys(op.table))


def small_table(table: str, s: Scope) -> bool:
    rows = s.schema.row_estimate(table) if s.schema is not None else None
    return rows is not None and 0 < rows <= SMALL_TABLE


def _unbatched(op, s: Scope):
    if not isinstance(op, ops.Write) or op.bounded or (op.kind == "delete" and not op.has_where):
        return None  # a DELETE without WHERE is the data-loss rule's
    if key(op.table) in _SYSTEM_TABLES or pins_a_row(op, s) or small_table(op.table, s):
        return None
    held = (
        " and, inside Laravel's migration transaction, until the migration ends"
        if s.transactional
        else ""
    )
    return (
        f"{op.kind.upper()} on {op.table} touches every matching row in one statement, with no "
        f"LIMIT or key range: row locks are held until it ends{held}, and replicas fall behind"
    )


RULES = (
    Rule(
        "unbatched-write",
        "locks-table",
        ALL,
        "an UPDATE/DELETE backfill in one statement",
        "Backfill from a queued job or command in batches by primary key (chunkById, or WHERE id "
        "BETWEEN ? AND ?), outside the migration; keep the migration to schema changes.",
        _unbatched,
    ),
)
