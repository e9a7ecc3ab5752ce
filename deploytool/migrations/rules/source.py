"""Source rules: what the PHP source shows that `migrate --pretend` cannot (phpfacts).

Pretend runs `up()` with every query answering nothing. A loop over query results therefore
runs zero times, so its writes never show; a schema check answers from the database pretend ran
against; SQL built at run time is printed as built for that database; and a migration that
dereferences a query result stops at a PHP error, its later statements unknown. check() turns
each fact into a `SourceFact` operation; these rules judge them.
"""

from __future__ import annotations

from .. import ops
from .base import ALL, Rule, Scope
from .loops import in_transaction, loop_write

_STOPPED_NOTES = ("stopped with an error", "not reached")


def _loop(op, s: Scope):
    if isinstance(op, ops.UnseenWrite):
        return loop_write(op, s)  # a loop whose writes the source shows: judged by them
    if not (isinstance(op, ops.SourceFact) and op.kind == "db_loop"):
        return None
    facts = s.facts
    txn = in_transaction(s)
    if facts is not None and facts.batched and not txn:
        return None  # batches by key, each its own statement and commit
    if _inert(s) and not (txn and ("schema" in facts.changes or facts.loop_functions)):
        # reads only (pretend-inert-loop says so); not under a schema change's lock, nor where an
        # iteration calls the app's own function (it may write, holding each lock to the end)
        return None
    if _fills_new(s):
        return None  # reads, and inserts only into tables this pending set creates
    where = (
        f"inside {txn}, so every row lock it takes is held to the end"
        if txn
        else "without batches, one statement per row over the whole result"
    )
    calls = ", ".join(f"{n}()" for n in facts.loop_functions) if facts is not None else ""
    return (
        "up() loops over query results, which pretend answers with no rows: the writes of the "
        f"loop body are not in the pretend output, and in production they run {where}"
        + (
            f" (the loop body calls {calls}, the app's own, which the gate cannot read)"
            if calls
            else ""
        )
    )


def _inert(s: Scope) -> bool:
    """The loops write nothing: no write call in up() and no method called in a loop body."""
    f = s.facts
    return (
        f is not None
        and f.inert_loops
        and not f.writes
        and not {"update", "delete", "raw"} & set(f.changes)
    )


def _fills_new(s: Scope) -> bool:
    """The loops read, and insert only into tables the pending set creates (vito seeding its new
    `commands` table from every site): old code has no rows there, and reading locks nothing
    old code writes (on PostgreSQL the SELECTs take ACCESS SHARE, which only DDL waits for)."""
    f = s.facts
    return (
        f is not None
        and bool(f.loop_inserts)
        and all(s.is_new(t) for t in f.loop_inserts)
        and not f.writes
        and not {"update", "delete", "raw"} & set(f.changes)
    )


def _inert_loop(op, s: Scope):
    if isinstance(op, ops.SourceFact) and op.kind == "db_loop" and _loop(op, s) is None:
        if _inert(s):
            return (
                "up() loops over query results (pretend runs them zero times), but no loop body "
                "calls a method or writes: it reads, and changes no row in the migration"
            )
        if _fills_new(s):
            return (
                "up() loops over query results (pretend runs them zero times); the loop bodies "
                f"insert only into {', '.join(s.facts.loop_inserts)}, which this pending set "
                "creates: old code has no rows there"
            )
    return None


def _conditional(op, s: Scope):
    if isinstance(op, ops.SourceFact) and op.kind == "schema_conditionals" and op.detail:
        return f"up() asks the schema (Schema::hasTable/hasColumn): {op.detail}"
    if isinstance(op, ops.SourceFact) and op.kind == "schema_conditionals":
        return (
            "up() asks the schema (Schema::hasTable/hasColumn); pretend answers every such check "
            "with no (its queries return nothing), so the statements shown are the no branch's: "
            "right only where production's schema answers no too (checks on literal names are "
            "decided on the live schema or --schema where the gate has one)"
        )
    return None


def _dynamic(op, s: Scope):
    if isinstance(op, ops.SourceFact) and op.kind == "dynamic_statement":
        return (
            "up() builds SQL at run time (DB::statement with a computed string): judged as pretend "
            "printed it for this database"
        )
    return None


def pretend_stopped(op: ops.Op) -> bool:
    return isinstance(op, ops.Unknown) and any(n in op.reason for n in _STOPPED_NOTES)


def stopped_unread(s: Scope) -> str:
    """Why the source of up() cannot stand in for a pretend stopped at a PHP error ("" when it
    can: besides reads and inserts it only makes schema calls the gate read, judged as the
    operations they stand for, and writes it read, judged as such)."""
    f = s.facts
    if f is None:
        return "no PHP source to read instead"
    if f.schema_unread:
        return f"the source has {f.schema_unread}"
    if f.dynamic_statement or "raw" in f.changes:
        return "the source runs raw SQL (DB::statement/unprepared)"
    if {"update", "delete"} & set(f.changes) and not f.writes:
        return "the source updates or deletes rows in a way the gate does not read"
    gone = [w.table or "rows" for w in f.writes if w.kind == "delete" and not w.pinned]
    if gone:  # pretend would have printed a DELETE the data rules judge; unpinned, it may be all
        return f"the source deletes from {gone[0]} without pinning a key (data old code reads)"
    if f.db_loop and not f.writes and not f.inert_loops:
        return "the source loops over query results"
    return ""


def stopped_is_harmless(s: Scope) -> bool:
    """Pretend stopped at a PHP error, and the source of up() was read in its place."""
    return not stopped_unread(s)


def _stopped(op, s: Scope):
    if pretend_stopped(op) and stopped_is_harmless(s):
        return (
            f"{op.reason}; judged from the source of up() instead: besides reads and inserts it "
            "makes only the schema calls and writes the gate read (each judged on its own)"
        )
    return None


RULES = (
    Rule(
        "pretend-blind-loop",
        "unknown",
        ALL,
        "a loop over query results, whose writes pretend cannot show",
        "Move the data change to a queued job or command that works in batches by primary key "
        "(chunkById), outside the migration; or set `public $withinTransaction = false;` and "
        "batch.",
        _loop,
        on_new_tables=True,
    ),
    Rule(
        "pretend-inert-loop",
        "unknown",
        ALL,
        "a loop over query results that writes nothing",
        "Nothing to change; jobs it dispatches run in the workers of the release they reach.",
        _inert_loop,
        default="warn",
        on_new_tables=True,
    ),
    Rule(
        "pretend-schema-conditional",
        "unknown",
        ALL,
        "a schema check pretend answers from the database it ran against",
        "Run the CI check against a database migrated to the running release, as production is.",
        _conditional,
        default="warn",
        on_new_tables=True,
    ),
    Rule(
        "pretend-dynamic-sql",
        "unknown",
        ALL,
        "SQL built at run time",
        "Prefer literal SQL or the schema builder, so the statement is the same everywhere.",
        _dynamic,
        default="warn",
        on_new_tables=True,
    ),
    Rule(
        "pretend-stopped",
        "unknown",
        ALL,
        "pretend stopped at a PHP error in a migration that only inserts",
        "Guard query results that pretend answers with nothing (`optional()`, `?->`), so pretend "
        "can print every statement.",
        _stopped,
        default="warn",
        on_new_tables=True,
    ),
)
