"""The table-driven corpus: SQL a migration might run, and the rule ids the gate must report.

`expect=()` means safe: no finding at all (a false block is a failure too). Each case is one
pending set: `migrations` holds one string per migration (statements split on `;`). `laravel`
marks the migrations as Laravel PHP files (on PostgreSQL: one transaction unless `no_txn`).
`schema` is the live column types the gate may know ("table.column": "type [NOT NULL] [charset]").
The shape is corpus_case.py; the cases live one file per dialect.
"""

from __future__ import annotations

from .corpus_case import Case
from .corpus_mysql import MYSQL
from .corpus_pgsql import PGSQL
from .corpus_sqlite import SQLITE

__all__ = ["CASES", "Case"]

CASES = MYSQL + PGSQL + SQLITE
