"""Run the corpus: each case's pending set through check(), compared with the expected rule ids."""

from __future__ import annotations

import pytest

from deploytool.migrations.check import check
from deploytool.migrations.live_schema import ColumnInfo, LiveSchema
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration
from deploytool.migrations.sqlfiles import split_statements

from .corpus import CASES, Case

PHP_TXN = "<?php\nreturn new class extends Migration { public function up() {} };\n"
PHP_NO_TXN = "<?php\nreturn new class extends Migration { public $withinTransaction = false; };\n"


def live_schema(spec: dict) -> LiveSchema | None:
    """ "table.column": "type [NOT NULL] [charset]" -> LiveSchema."""
    if not spec:
        return None
    columns = {}
    for where, text in spec.items():
        table, column = where.rsplit(".", 1)
        words = text.split()
        not_null = "NOT NULL" in text
        charset = words[-1] if words[-1] in ("utf8mb4", "latin1", "utf8") else None
        type_ = text.replace(" NOT NULL", "").removesuffix(f" {charset}" if charset else "")
        columns[(table, column)] = ColumnInfo(type_, not not_null, charset)
    return LiveSchema(columns)


def pending(case: Case) -> list[PendingMigration]:
    source = (PHP_NO_TXN if case.no_txn else PHP_TXN) if case.laravel else None
    ext = ".php" if case.laravel else ".sql"
    return [
        PendingMigration(
            f"{case.id}_{n}",
            f"{case.id}_{n}{ext}",
            tuple(split_statements(sql, case.dialect)),
            source,
        )
        for n, sql in enumerate(case.migrations, 1)
    ]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case):
    report = check(pending(case), case.dialect, MigrationPolicy(), live_schema(case.schema))
    found = sorted(f.rule for f in report.findings)
    assert found == sorted(case.expect), "\n".join(f"{f.rule}: {f.why}" for f in report.findings)
    assert report.blocked == any(f.severity == "block" for f in report.findings)


def test_corpus_shape():
    """At least 60 cases over the three dialects, and at least 40% of them safe."""
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.dialect for c in CASES} == {"mysql", "pgsql", "sqlite"}
    safe = sum(not c.expect for c in CASES)
    assert safe / len(CASES) >= 0.40, f"{safe}/{len(CASES)} safe"
