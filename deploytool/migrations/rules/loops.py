"""Writes pretend cannot show (phpwrites.SourceWrite, as `ops.UnseenWrite`): judged from the source.

A loop over query results runs zero times under pretend, and a write behind `if ($row = …->first())`
never runs there, so these UPDATEs/DELETEs reach the gate only through the PHP source. What
decides them:

* a transaction: on PostgreSQL Laravel runs the migration in one (Schema\\Grammars\\Grammar::
  $transactions is true only for PostgreSQL and SQL Server), and `DB::transaction()` opens one
  on any engine; a loop inside it holds every row lock it takes, and on SQLite the database's
  write lock, until the end, unless it saves by key the rows it reads from a table the live
  statistics count small (at most data.SMALL_TABLE rows: the whole loop is brief);
* outside one (MySQL/MariaDB and SQLite by default) each write commits alone: a loop that pins
  one row by its key per iteration holds a lock for milliseconds. It is harmless when it writes
  only columns old code does not write (added by this pending set, or filled only where NULL);
  when it rewrites columns old code uses (counters, settings) from the row it read, a change old
  code makes to a row between the loop's read and its write is overwritten; a keyed write to
  another table than the one the loop reads did not read what it overwrites: a per-row data fix;
* a write not pinned to a key, in a loop or not, is an unbatched data change, as the data rule
  judges printed ones: harmless only on a table the live statistics count small;
* a write that stores Crypt::encrypt…/decrypt… or a hash (Hash::make) of a value in a column old
  code reads converts its format (ciphertext is a base64 JSON payload, a hash cannot be read back):
  however it is batched, the previous release reads every converted row in the format it wrote
  and fails on it.
"""

from __future__ import annotations

from .. import ops
from .base import ALL, Rule, Scope
from .data import small_table

_LOOP = "in a loop over query results, which pretend runs zero times"
_FIRST = "behind a query result pretend answers with nothing (e.g. ->first())"


def in_transaction(s: Scope) -> str | None:
    """Which transaction the migration's writes run in, or None when each commits alone."""
    if s.facts is not None and s.facts.explicit_transaction:
        return "the transaction up() opens itself (DB::transaction / beginTransaction)"
    if s.dialect == "pgsql" and s.facts is not None and s.facts.within_transaction:
        return "Laravel's migration transaction (PostgreSQL)"
    return None


def keyed(w, s: Scope) -> bool:
    """The write pins one row: its primary key (`id`, a model's save()), or a unique key the
    live schema lists, every column of it."""
    pinned = set(w.pinned)
    if "id" in pinned:
        return True
    keys = s.schema.unique_keys(w.table) if s.schema is not None and w.table else ()
    return any(set(k) <= pinned for k in keys)


def rewritten(w, s: Scope) -> tuple[str, ...]:
    """The columns the write changes from values read from its row that old code may also
    write: not added by the pending set, and not only filled where NULL."""
    if not w.from_row:
        return ()
    return tuple(
        c for c in w.columns if c == "*" or not (s.is_new_column(w.table, c) or c in w.fills_empty)
    )


def _what(w) -> str:
    table = w.table or "rows the source does not name"
    return f"up() {'deletes from' if w.kind == 'delete' else 'updates'} {table} {_LOOP}"


def loop_write(op, s: Scope):
    """The pretend-blind-loop rule's judgement of a write the source makes inside a loop."""
    if not (isinstance(op, ops.UnseenWrite) and op.write.in_loop):
        return None
    w = op.write
    if s.is_new(w.table):
        return None  # a table this pending set creates: old code has no rows in it
    txn = in_transaction(s)
    if txn and w.from_row and keyed(w, s) and w.table and small_table(w.table, s):
        # each iteration saves the row it read, so the loop runs over that table: the live
        # statistics count it small, and a transaction over that many keyed writes is brief
        return None
    if txn:
        return (
            f"{_what(w)}: the writes are not in the pretend output, and in production they run "
            f"inside {txn}, so every row lock the loop takes is held until it ends"
        )
    if w.batched or (w.table and small_table(w.table, s)):
        return None  # batches by key, each its own statement and commit; or a small table
    if not keyed(w, s):
        return (
            f"{_what(w)}, each iteration a write not pinned to a key: an unbatched data change "
            "over rows old code uses, none of it in the pretend output"
        )
    cols = rewritten(w, s)
    if cols:
        named = "columns the source does not name" if "*" in cols else ", ".join(cols)
        return (
            f"{_what(w)}, one row by its key at a time, rewriting {named} that old code also "
            "writes, from values read before: a change old code makes to a row between the "
            "loop's read and its write is overwritten (an unbatched data change over rows old "
            "code uses, none of it in the pretend output)"
        )
    return None  # keyed, outside a transaction, on columns old code does not write: the next rule


def _keyed_loop(op, s: Scope):
    if not (isinstance(op, ops.UnseenWrite) and op.write.in_loop) or loop_write(op, s):
        return None
    w = op.write
    if w.batched or in_transaction(s):
        return None
    return (
        f"{_what(w)}, one row by its key per iteration, on columns old code does not write "
        f"({', '.join(w.columns)}); Laravel runs this migration outside a transaction on "
        f"{s.dialect}, so each write commits alone and holds its lock for milliseconds"
    )


def _first_write(op, s: Scope):
    if not isinstance(op, ops.UnseenWrite) or op.write.in_loop:
        return None
    w = op.write
    if keyed(w, s) or not w.table or small_table(w.table, s):
        return None  # a data fix of one row, or a table the statistics count small
    return (
        f"up() {'deletes from' if w.kind == 'delete' else 'updates'} {w.table} {_FIRST}, not "
        "pinned to a key: pretend shows no such statement, and in production it touches every "
        "row of the table in one statement (an unbatched data change)"
    )


def _converted(op, s: Scope):
    if not isinstance(op, ops.UnseenWrite) or not op.write.converts or s.is_new(op.write.table):
        return None
    w = op.write
    cols = [c for c in w.converts if not s.is_new_column(w.table, c)]
    if not cols:
        return None  # a column this pending set adds: old code never reads it
    return (
        f"up() stores {', '.join(cols)} of {w.table or 'rows the source does not name'} "
        "encrypted, decrypted or hashed (Crypt::encrypt…/decrypt…, Hash::make) in place, a write "
        "pretend did not print: the previous release reads those columns in the format it wrote, "
        "and fails on every converted row"
    )


RULES = (
    Rule(
        "pretend-keyed-loop",
        "unknown",
        ALL,
        "a loop writing one row by its key per iteration, outside a transaction",
        "Nothing to change; on PostgreSQL set `public $withinTransaction = false;` so the same "
        "loop does not hold its locks to the end.",
        _keyed_loop,
        default="warn",
    ),
    Rule(
        "pretend-converted-column",
        "breaks-old-code",
        ALL,
        "an UPDATE the source makes that encrypts, decrypts or hashes a column old code reads",
        "Expand/contract: write the converted value to a new column, release code that reads "
        "it (or both formats), then drop the old column in a later release.",
        _converted,
    ),
    Rule(
        "pretend-unseen-write",
        "locks-table",
        ALL,
        "an UPDATE/DELETE the source makes that pretend cannot show",
        "Backfill from a queued job or command in batches by primary key (chunkById), outside "
        "the migration; or pin the write to the row it fixes (WHERE id = ?).",
        _first_write,
    ),
)
