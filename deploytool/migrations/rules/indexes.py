"""Index rules: non-concurrent index builds and drops (PostgreSQL), CONCURRENTLY inside Laravel's
transaction, unique constraints over existing data, and new primary keys."""

from __future__ import annotations

from .. import ops
from ..ops import key
from .base import ALL, MYSQL_PG, PG, Rule, Scope

_NO_TXN = "a migration with `public $withinTransaction = false;` holding only that statement"


def _not_concurrent(op, s: Scope):
    if isinstance(op, ops.AddIndex) and not op.concurrently:
        kind = "CREATE UNIQUE INDEX" if op.unique else "CREATE INDEX"
        return (
            f"{kind} on {op.table} blocks every write to it (SHARE lock) until the whole index is "
            "built"
        )
    if isinstance(op, ops.Reindex) and not op.concurrently:
        return f"REINDEX {op.target} blocks writes, and reads that use the index, until it finishes"
    return None


def _drop_not_concurrent(op, s: Scope):
    if isinstance(op, ops.DropIndex) and not op.concurrently:
        return (
            f"DROP INDEX {op.name} takes an ACCESS EXCLUSIVE lock on its table: it queues behind "
            "long queries and everything queues behind it"
        )
    return None


def _concurrent_in_txn(op, s: Scope):
    concurrent = isinstance(op, (ops.AddIndex, ops.DropIndex, ops.Reindex)) and op.concurrently
    if concurrent and s.transactional:
        return (
            "CONCURRENTLY cannot run inside a transaction block, and Laravel runs this migration "
            "in one on PostgreSQL: the migration will fail"
        )
    return None


def _on_new_columns(op, s: Scope) -> bool:
    """Every key column was added earlier in the pending set: all NULL, no old code writes it."""
    return bool(op.columns) and all(s.is_new_column(op.table, c) for c in op.columns)


def _holds_a_null_column(op, s: Scope) -> bool:
    """One key column was added earlier in this migration nullable and without a default, and
    the migration updates no row of the table: every existing row holds NULL there, and so does
    every row old code inserts (it does not know the column). NULLs never collide in a unique key
    (MySQL, MariaDB, SQLite, PostgreSQL's default), so neither existing rows nor old writes can
    violate it. (An UPDATE could fill the column with duplicates: then the block stands.)"""
    cols, table = set(op.columns), key(op.table)
    if any(_updates(o, table) for o in s.earlier + s.later):
        return False
    return any(
        isinstance(e, ops.AddColumn)
        and key(e.table) == table
        and e.column.name.lower() in cols
        and not e.column.not_null
        and e.column.default is None
        and not e.column.generated_stored
        for e in s.earlier
    )


def _updates(o, table: str) -> bool:
    """An UPDATE of `table`, printed by pretend or read from the source."""
    if isinstance(o, ops.UnseenWrite):
        return o.write.kind == "update" and key(o.write.table or "") == table
    return isinstance(o, ops.Write) and o.kind == "update" and key(o.table) == table


def _implied(op, s: Scope) -> bool:
    """The new key's columns hold every column of a unique key the live schema has on the table:
    rows that key kept distinct stay distinct, so neither existing rows nor any write old code
    makes (which that key accepted) can violate it, even if this migration drops the old key."""
    if s.schema is None or not op.columns:
        return False
    cols = set(op.columns)
    return any(k and set(k) <= cols for k in s.schema.unique_keys(op.table))


def _unique(op, s: Scope):
    if isinstance(op, ops.AddConstraint) and op.kind == "unique" and not op.using_index:
        if s.dialect == "pgsql" and _on_new_columns(op, s):
            return (
                f"ADD CONSTRAINT UNIQUE on {op.table} builds its index under an ACCESS EXCLUSIVE "
                "lock: reads and writes wait for a scan of the whole table"
            )
        if _on_new_columns(op, s) or (
            s.dialect != "pgsql" and (_implied(op, s) or _holds_a_null_column(op, s))
        ):
            return None
        if s.dialect == "pgsql":
            return (
                f"ADD CONSTRAINT UNIQUE on {op.table} builds its index under an ACCESS EXCLUSIVE "
                "lock (reads and writes wait), fails on existing duplicates, and old code "
                "inserting duplicates starts failing"
            )
        return (
            f"adds a unique index on {op.table}: it fails if existing rows hold duplicates, and "
            "old code that inserts duplicates starts failing"
        )
    if isinstance(op, ops.AddIndex) and op.unique and s.dialect != "pgsql":
        if _on_new_columns(op, s) or _implied(op, s) or _holds_a_null_column(op, s):
            return None
        return (
            f"adds unique index {op.name or ''} on {op.table}: it fails on existing duplicates, "
            "and old code that inserts duplicates starts failing"
        )
    return None


def _shared_build(op, s: Scope):
    if isinstance(op, ops.AddIndex) and op.method in ("fulltext", "spatial"):
        return (
            f"a {op.method.upper()} index on {op.table}: InnoDB builds it with LOCK=SHARED, so "
            "writes wait for the whole build (the first FULLTEXT index of a table also rebuilds it)"
        )
    return None


def _primary(op, s: Scope):
    if isinstance(op, ops.AddConstraint) and op.kind == "primary" and not op.using_index:
        if s.dialect == "pgsql":
            return (
                f"ADD PRIMARY KEY on {op.table} builds its index (and any NOT NULL) under an "
                "ACCESS EXCLUSIVE lock"
            )
        return f"adding a primary key to {op.table} rebuilds the whole table"
    return None


RULES = (
    Rule(
        "index-not-concurrently",
        "locks-table",
        PG,
        "building an index without CONCURRENTLY",
        f"CREATE INDEX CONCURRENTLY (or REINDEX … CONCURRENTLY) in {_NO_TXN}.",
        _not_concurrent,
    ),
    Rule(
        "drop-index-not-concurrently",
        "locks-table",
        PG,
        "dropping an index without CONCURRENTLY",
        f"DROP INDEX CONCURRENTLY in {_NO_TXN}.",
        _drop_not_concurrent,
        default="warn",
    ),
    Rule(
        "concurrently-in-transaction",
        "locks-table",
        PG,
        "CONCURRENTLY inside a transactional migration",
        (
            "Add `public $withinTransaction = false;` to this migration and keep it to that one "
            "statement."
        ),
        _concurrent_in_txn,
        on_new_tables=True,
    ),
    Rule(
        "add-unique-constraint",
        "breaks-old-code",
        ALL,
        "adding a unique constraint or index over existing data",
        "First ship code that never writes duplicates and remove existing ones. On PostgreSQL: "
        f"CREATE UNIQUE INDEX CONCURRENTLY in {_NO_TXN}, then ADD CONSTRAINT … UNIQUE USING INDEX.",
        _unique,
    ),
    Rule(
        "shared-lock-index",
        "locks-table",
        frozenset({"mysql"}),
        "a FULLTEXT or SPATIAL index, built while writes wait",
        "Build it with an online schema change tool (gh-ost, pt-online-schema-change) or in a "
        "maintenance window.",
        _shared_build,
    ),
    Rule(
        "add-primary-key",
        "locks-table",
        MYSQL_PG,
        "adding a primary key to an existing table",
        "PostgreSQL: CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … PRIMARY KEY USING "
        "INDEX. MySQL: an online schema change tool (gh-ost, pt-online-schema-change) or a "
        "maintenance window.",
        _primary,
    ),
)
