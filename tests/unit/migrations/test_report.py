"""The report: JSON shape, plain lines, the rich table, offline command exit codes, the registry."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from deploytool.errors import ExitCode
from deploytool.migrations.check import check
from deploytool.migrations.dialect import UnsupportedDialect, dialect_from_driver
from deploytool.migrations.model import CATEGORIES, PendingMigration
from deploytool.migrations.offline import run_offline
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.render import report_lines, report_table
from deploytool.migrations.rules import RULES

PENDING = [
    PendingMigration(
        "2024_01_01_000000_drop_legacy",
        "2024_01_01_000000_drop_legacy.php",
        ("alter table `users` add `nick` varchar(255) null", "alter table `users` drop `legacy`"),
        "<?php\n",
    )
]


def test_json_shape():
    data = check(PENDING, "mysql", MigrationPolicy()).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"version", "dialect", "blocked", "migrations", "counts", "findings"}
    assert data["version"] == 1 and data["dialect"] == "mysql" and data["blocked"] is True
    assert data["counts"] == {"block": 1, "warn": 0, "allowed": 0}
    (f,) = data["findings"]
    assert set(f) == {
        "migration",
        "rule",
        "category",
        "statement_index",
        "statement",
        "excerpt",
        "why",
        "alternative",
        "severity",
        "allowed",
        "allow_reason",
    }
    assert (
        f["rule"] == "drop-column"
        and f["statement_index"] == 2
        and f["statement"] == PENDING[0].statements[1]
    )


def test_clean_report():
    report = check(PENDING[:0], "mysql", MigrationPolicy())
    assert not report.blocked and report_lines(report) == [
        "migration gate (mysql): ok: 0 blocking, 0 warning(s), 0 allowed in 0 pending migrations"
    ]


def test_report_lines_and_table():
    report = check(PENDING, "mysql", MigrationPolicy())
    lines = report_lines(report)
    assert lines[0].startswith("migration gate (mysql): BLOCKED: 1 blocking")
    assert lines[1] == "2024_01_01_000000_drop_legacy:"
    assert lines[2] == "  BLOCK drop-column [breaks-old-code] #2 alter table `users` drop `legacy`"
    assert lines[4].startswith("    instead: Contract in two releases")
    console = Console(file=io.StringIO(), width=160)
    console.print(report_table(report))
    out = console.file.getvalue()
    assert "drop-column" in out and "safe alternative" in out and "BLOCK" in out


def test_offline_exit_codes(tmp_path):
    console = Console(file=io.StringIO(), width=120)
    unsafe = tmp_path / "unsafe.sql"
    unsafe.write_text('alter table "users" drop column "legacy";\n')
    safe = tmp_path / "safe.sql"
    safe.write_text('alter table "users" add column "nick" text;\n')
    assert (
        run_offline(unsafe, "pgsql", MigrationPolicy(), False, console)
        == ExitCode.MIGRATION_BLOCKED
        == 6
    )
    assert run_offline(safe, "pgsql", MigrationPolicy(), False, console) == ExitCode.OK
    assert run_offline(unsafe, "pgsql", MigrationPolicy("warn"), False, console) == ExitCode.OK


def test_offline_json(tmp_path):
    console = Console(file=io.StringIO(), width=80)
    path = tmp_path / "m.sql"
    path.write_text("truncate table `users`;")
    assert run_offline(path, "mysql", MigrationPolicy(), True, console) == 6
    assert json.loads(console.file.getvalue())["findings"][0]["rule"] == "truncate"


def test_offline_unreadable_file(tmp_path):
    console = Console(file=io.StringIO(), width=200)
    missing = tmp_path / "missing.sql"
    assert run_offline(missing, "mysql", MigrationPolicy(), False, console) == ExitCode.CONFIG == 3
    assert console.file.getvalue() == f"{missing}: cannot read: No such file or directory\n"
    binary = tmp_path / "bin.sql"
    binary.write_bytes(b"\xff\xfe\x00")
    assert run_offline(binary, "mysql", MigrationPolicy(), False, console) == 3
    assert "Traceback" not in console.file.getvalue()


def test_dialect_from_driver():
    assert [dialect_from_driver(d) for d in ("mysql", "mariadb", "pgsql", "sqlite", " MySQL ")] == [
        "mysql",
        "mysql",
        "pgsql",
        "sqlite",
        "mysql",
    ]
    with pytest.raises(UnsupportedDialect, match="sqlsrv"):
        dialect_from_driver("sqlsrv")
    with pytest.raises(UnsupportedDialect, match="unknown database driver"):
        dialect_from_driver("oracle")


def test_registry_is_complete():
    for rule in RULES.values():
        assert rule.category in CATEGORIES
        assert rule.dialects <= {"mysql", "pgsql", "sqlite"} and rule.dialects
        assert rule.summary and rule.alternative and rule.default in ("block", "warn")
