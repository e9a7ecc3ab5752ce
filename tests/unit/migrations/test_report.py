"""The report: JSON shape, plain lines, the rich table, offline command exit codes, the registry."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from deploytool.cli import main
from deploytool.errors import ExitCode
from deploytool.migrations.check import check
from deploytool.migrations.dialect import UnsupportedDialect, dialect_from_driver
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import CATEGORIES, PendingMigration
from deploytool.migrations.rules import RULES
from deploytool.ui.env import Env
from deploytool.ui.gate_view import report_table


def report_lines(report):
    return report.lines()


def offline(path, dialect, *flags):
    """`deploytool check-migrations --sql PATH --dialect D`: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["check-migrations", "--sql", str(path), "--dialect", dialect, *flags],
        Env(stdout=out, stderr=err),
    )
    return code, out.getvalue(), err.getvalue()


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
    unsafe = tmp_path / "unsafe.sql"
    unsafe.write_text('alter table "users" drop column "legacy";\n')
    safe = tmp_path / "safe.sql"
    safe.write_text('alter table "users" add column "nick" text;\n')
    assert offline(unsafe, "pgsql")[0] == ExitCode.MIGRATION_BLOCKED == 6
    assert offline(safe, "pgsql")[0] == ExitCode.OK
    assert offline(unsafe, "pgsql", "--policy", "warn")[0] == ExitCode.OK


def test_offline_json(tmp_path):
    path = tmp_path / "m.sql"
    path.write_text("truncate table `users`;")
    code, out, _ = offline(path, "mysql", "--json")
    assert code == 6
    assert json.loads(out)["findings"][0]["rule"] == "truncate"


def test_offline_unreadable_file(tmp_path):
    missing = tmp_path / "missing.sql"
    code, _, err = offline(missing, "mysql")
    assert code == ExitCode.CONFIG == 3
    assert f"{missing}: cannot read: No such file or directory\n" in err
    binary = tmp_path / "bin.sql"
    binary.write_bytes(b"\xff\xfe\x00")
    code, out, err = offline(binary, "mysql")
    assert code == 3
    assert "Traceback" not in out + err


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
