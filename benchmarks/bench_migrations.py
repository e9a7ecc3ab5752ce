"""Benchmarks for the migration gate: check() speed, and PostgreSQL parser coverage.

`bench(n)` times checking n pending migrations (parse + rules), median of several runs.
`pg_coverage()` measures, on the PostgreSQL statements of the unit corpus, how many each parser
turns into structured operations: the figure behind choosing pglast for PostgreSQL.
Run: python benchmarks/bench_migrations.py
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

import sqlglot
from sqlglot import exp

from deploytool.migrations import ops, read_pglast, read_sqlglot
from deploytool.migrations.check import check
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration
from deploytool.migrations.sqlfiles import split_statements

ROOT = Path(__file__).resolve().parent.parent
# A realistic Laravel migration's pretend output: a few DDL statements, a backfill, an index.
TEMPLATE = {
    "mysql": [
        "alter table `t{i}` add `nick` varchar(255) null",
        "alter table `t{i}` drop `legacy`",
        "update `t{i}` set `name` = ? where `id` = ?",
        "alter table `t{i}` add index `t{i}_nick_index`(`nick`)",
        (
            "alter table `t{i}` add constraint `t{i}_u_foreign` foreign key (`u_id`) references "
            "`users` (`id`)"
        ),
    ],
    "pgsql": [
        'alter table "t{i}" add column "nick" varchar(255) null',
        'alter table "t{i}" drop column "legacy"',
        'update "t{i}" set "name" = ? where "id" = ?',
        'create index "t{i}_nick_index" on "t{i}" ("nick")',
        (
            'alter table "t{i}" add constraint "t{i}_u_foreign" foreign key ("u_id") references '
            '"users" ("id")'
        ),
    ],
}


def _pending(n: int, dialect: str) -> list[PendingMigration]:
    return [
        PendingMigration(
            f"2024_01_01_{i:06d}_m{i}",
            f"2024_01_01_{i:06d}_m{i}.php",
            tuple(s.format(i=i) for s in TEMPLATE[dialect]),
            "<?php\n// deploytool: allow drop-column -- benchmark\n",
        )
        for i in range(n)
    ]


def bench(n: int = 200, runs: int = 5) -> dict:
    """Seconds to check n pending migrations (5 statements each), median of `runs`, per dialect."""
    figures: dict = {"migrations": n, "statements_per_migration": 5, "runs": runs}
    for dialect in TEMPLATE:
        pending = _pending(n, dialect)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            report = check(pending, dialect, MigrationPolicy())
            times.append(time.perf_counter() - start)
        figures[dialect] = {
            "median_s": round(statistics.median(times), 4),
            "min_s": round(min(times), 4),
            "findings": len(report.findings),
            "per_statement_ms": round(statistics.median(times) / (n * 5) * 1000, 3),
        }
    return figures


def _corpus_pg_statements() -> list[str]:
    if str(ROOT) not in sys.path:  # run as a script: the repository's tests package
        sys.path.insert(0, str(ROOT))
    corpus = importlib.import_module("tests.unit.migrations.corpus")
    return [
        st
        for case in corpus.CASES
        if case.dialect == "pgsql"
        for sql in case.migrations
        for st in split_statements(sql, "pgsql")
    ]


def pg_coverage(statements: list[str] | None = None) -> dict:
    """How many PostgreSQL statements each parser reads into structured operations."""
    statements = statements if statements is not None else _corpus_pg_statements()
    raw_sqlglot = sum(1 for s in statements if _sqlglot_structured(s))
    gate_sqlglot = sum(1 for s in statements if not _unknown(read_sqlglot.read(s, "pgsql")))
    gate_pglast = sum(1 for s in statements if not _unknown(read_pglast.read(s)))
    return {
        "statements": len(statements),
        "sqlglot_structured_tree": raw_sqlglot,
        "sqlglot_understood_by_gate": gate_sqlglot,
        "pglast_understood_by_gate": gate_pglast,
    }


def _unknown(found: list[ops.Op]) -> bool:
    return any(isinstance(o, ops.Unknown) for o in found)


def _sqlglot_structured(sql: str) -> bool:
    try:
        trees = sqlglot.parse(sql, read="postgres")
    except Exception:
        return False
    return all(t is not None and not isinstance(t, exp.Command) for t in trees)


if __name__ == "__main__":
    print(json.dumps({"bench": bench(), "pg_coverage": pg_coverage()}, indent=2))
