"""Report.needs_downtime, the gate's verdict that `maintenance: auto` reads: the changes the old
code cannot survive that the policy let through. Judged by the real checker on real statements
under each policy: a warned drop-column or drop-table counts; the same change blocked or allowed
by annotation does not, nor a warning about a lock, a truncate or an advice rule's change."""

from __future__ import annotations

from deploytool.migrations.check import check
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration

DROP = "alter table `ledger` drop `version`"
DROP_TABLE = "drop table `ledger`"
RETYPE = "alter table `ledger` modify `seq` bigint not null"  # locks-table
TRUNCATE = "truncate table `ledger`"  # data-loss, but the old code still runs
DROP_NOT_NULL = 'alter table "ledger" alter column "version" drop not null'  # advice rule


def pending(*statements, source=None):
    return [PendingMigration("2030_01_01_000000_change", None, statements, source)]


def verdict(mode, *statements, rules=None, source=None, dialect="mysql"):
    policy = MigrationPolicy(mode, rules or {})
    report = check(pending(*statements, source=source), dialect, policy)
    return report, report.needs_downtime


def test_a_breaking_change_let_through_under_warn_needs_downtime():
    report, found = verdict("warn", DROP)
    assert not report.blocked
    assert [(f.rule, f.category, f.severity) for f in found] == [
        ("drop-column", "breaks-old-code", "warn")
    ]


def test_a_single_rule_set_to_warn_under_block_needs_downtime_too():
    report, found = verdict("block", DROP, rules={"drop-column": "warn"})
    assert not report.blocked and [f.rule for f in found] == ["drop-column"]


def test_blocked_allowed_or_off_changes_need_none():
    report, found = verdict("block", DROP)
    assert report.blocked and found == ()  # the ship stops before migrate instead
    source = "<?php // deploytool: allow drop-column -- nothing reads it since release 41\n"
    report, found = verdict("warn", DROP, source=source)
    assert any(f.allowed for f in report.findings) and found == ()
    assert verdict("off", DROP)[1] == ()


def test_a_dropped_table_needs_downtime():
    assert [f.rule for f in verdict("warn", DROP_TABLE)[1]] == ["drop-table"]


def test_locks_truncates_and_advice_need_none():
    for statement, rule in ((RETYPE, "change-column-type"), (TRUNCATE, "truncate")):
        report, found = verdict("warn", statement)
        assert [f.rule for f in report.findings] == [rule] and found == ()
    report, found = verdict("block", DROP_NOT_NULL, dialect="pgsql")  # warns even under block
    assert [(f.rule, f.severity) for f in report.findings] == [("drop-not-null", "warn")]
    assert not report.blocked and found == ()
