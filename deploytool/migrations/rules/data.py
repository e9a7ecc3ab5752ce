"""Data rules: backfills that touch a whole table in one statement."""

from __future__ import annotations

from .. import ops
from ..ops import key
from .base import ALL, Rule, Scope

# Laravel's truncate() on SQLite resets the sequence row by row; it is bounded by design.
_SYSTEM_TABLES = {"sqlite_sequence"}


def _unbatched(op, s: Scope):
    if not isinstance(op, ops.Write) or op.bounded or (op.kind == "delete" and not op.has_where):
        return None  # a DELETE without WHERE is the data-loss rule's
    if key(op.table) in _SYSTEM_TABLES:
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
