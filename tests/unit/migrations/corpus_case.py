"""The table-driven corpus's case shape and its one-line constructors per dialect (m, p, s).

The cases themselves: corpus_mysql.py, corpus_pgsql.py, corpus_sqlite.py; corpus.py joins them.

`expect=()` means safe: no finding at all (a false block is a failure too). Each case is one
pending set: `migrations` holds one string per migration (statements split on `;`). `laravel`
marks the migrations as Laravel PHP files (on PostgreSQL: one transaction unless `no_txn`).
`schema` is the live column types the gate may know ("table.column": "type [NOT NULL] [charset]").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    dialect: str
    migrations: tuple[str, ...]
    expect: tuple[str, ...] = ()
    schema: dict = field(default_factory=dict)
    laravel: bool = False
    no_txn: bool = False


def m(id, sql, *expect, **kw):
    return Case(id, "mysql", sql if isinstance(sql, tuple) else (sql,), expect, **kw)


def p(id, sql, *expect, **kw):
    return Case(id, "pgsql", sql if isinstance(sql, tuple) else (sql,), expect, **kw)


def s(id, sql, *expect, **kw):
    return Case(id, "sqlite", sql if isinstance(sql, tuple) else (sql,), expect, **kw)
