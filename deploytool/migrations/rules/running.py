"""A contract step the running release does not use: said, not blocked.

drop-table, drop-column and the renames block because old code may still use the name. When the
gate was given a search of the running release's code (running_code.py) and that code never
names the table (nor its model class) or the column, they stand aside and this advice says what
was searched instead: the drop breaks nothing that keeps running until the switch. What a search
cannot see (another application on the same database, a name built at run time) is the reader's
to rule out, so the advice names the code it searched.
"""

from __future__ import annotations

from .. import ops
from .base import ALL, Rule, Scope


def _unused(op, s: Scope):
    where = s.running.where if s.running is not None else ""
    if isinstance(op, (ops.DropTable, ops.RenameTable)) and s.unused_table(op.table):
        verb = "drops" if isinstance(op, ops.DropTable) else "renames"
        return f"{verb} {op.table}: {where} never names it or its model, so no old worker uses it"
    column = isinstance(op, (ops.DropColumn, ops.RenameColumn))
    if column and not s.is_new_column(op.table, op.column) and s.unused_column(op.column):
        verb = "drops" if isinstance(op, ops.DropColumn) else "renames"
        return f"{verb} {op.table}.{op.column}: {where} never names it, so no old worker uses it"
    return None


RULES = (
    Rule(
        "contract-unused",
        "breaks-old-code",
        ALL,
        "a drop or rename of a name the running release's code does not use",
        "Nothing to change if no other application or report reads it; otherwise contract there "
        "first.",
        _unused,
        default="warn",
    ),
)
