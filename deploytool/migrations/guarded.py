"""Setting aside what pretend printed for a schema conditional production will not run.

Pretend answers `Schema::hasColumn('t', 'c')` with "no", so `if (!Schema::hasColumn('t', 'c'))
{ add c }` prints the add even where `t.c` exists and production skips the block. With a schema
(live, or a dump) the gate evaluates each readable guard (phpguards.Guard); where it says the
block does not run, the operations pretend printed for it (on the block's tables, naming the
block's columns or tables) and the source writes under it are not judged, and the
pretend-schema-conditional finding says so. Without a schema, or for a guard the schema cannot
decide, everything is judged as printed.
"""

from __future__ import annotations

from . import ops
from .ops import key
from .phpguards import guard_holds

_COLUMN_OPS = (
    ops.DropColumn,
    ops.RenameColumn,
    ops.AlterColumnType,
    ops.SetNotNull,
    ops.DropNotNull,
    ops.DropDefault,
)


def skipped_guards(facts, schema) -> list:
    """The guards whose block production will not run, on `schema`."""
    if facts is None or schema is None:
        return []
    return [g for g in facts.guards if guard_holds(g.cond, schema) is False]


def in_block(op: ops.Op, guard) -> bool:
    """The operation is one pretend printed for the block of `guard`."""
    if isinstance(op, ops.UnseenWrite):
        return bool(op.write.guard) and op.write.guard == guard.cond
    table = getattr(op, "table", None)
    # Doctrine DBAL's rebuild on SQLite copies the table aside as __temp__<table>
    if table is None or key(table).removeprefix("__temp__") not in guard.tables:
        return False
    cols = set(guard.columns)
    if isinstance(op, (ops.CreateTable, ops.DropTable, ops.RenameTable)):
        return True  # the block creates, drops or renames one of its own tables
    if isinstance(op, ops.AddColumn):
        return op.column.name.lower() in cols
    if isinstance(op, ops.RedefineColumn):
        return op.column.lower() in cols
    if isinstance(op, _COLUMN_OPS):
        return op.column.lower() in cols
    if isinstance(op, (ops.AddIndex, ops.AddConstraint)):
        return bool(op.columns) and set(op.columns) <= cols
    return False


def set_aside(parsed: list, facts, schema) -> tuple[list, str]:
    """`parsed` ((index, sql, op) triples) without the operations of blocks production skips,
    and a sentence naming those blocks ("" when none)."""
    skipped = skipped_guards(facts, schema)
    if not skipped:
        return parsed, ""
    # Only what pretend printed (index > 0) and the source's writes: the operations read from
    # the source for a block that does run (index 0, blueprint_ops) are that block's own, even
    # where an `else` that does not run names the same column.
    kept = [
        p
        for p in parsed
        if not (p[0] or isinstance(p[2], ops.UnseenWrite))
        or not any(in_block(p[2], g) for g in skipped)
    ]
    if len(kept) == len(parsed):
        return parsed, ""
    names = "; ".join(_say(g.cond, schema) for g in skipped)
    return kept, (
        f"on the live schema {names}, so that block does not run: its "
        f"{len(parsed) - len(kept)} operation(s) pretend printed were not judged"
    )


def _say(cond: str, schema) -> str:
    """`hasColumn(t.c) is true`, for the atoms that make the condition false."""
    parts = []
    for atom in cond.split("&"):
        what = atom.lstrip("!")
        value = guard_holds(what, schema)
        if value == atom.startswith("!"):
            kind, _, name = what.partition(":")
            call = "hasTable" if kind == "table" else "hasColumn"
            parts.append(f"{call}({name}) is {str(value).lower()}")
    return " and ".join(parts)
