"""Policy: block / warn / off, per-rule overrides, rule defaults, and refusal of typos."""

from __future__ import annotations

import pytest

from deploytool.migrations.check import check
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration

SQL = (
    'alter table "users" drop column "legacy"',
    'drop index "i"',
    'alter table "t" add column "n" int',
)


def rules(policy: MigrationPolicy) -> dict[str, str]:
    report = check([PendingMigration("m", None, SQL)], "pgsql", policy)
    return {f.rule: f.severity for f in report.findings}


def test_block_mode_uses_rule_defaults():
    assert rules(MigrationPolicy()) == {
        "drop-column": "block",
        "drop-index-not-concurrently": "warn",
    }


def test_warn_mode_never_blocks():
    policy = MigrationPolicy("warn")
    assert set(rules(policy).values()) == {"warn"}
    assert not check([PendingMigration("m", None, SQL)], "pgsql", policy).blocked


def test_off_mode_reports_nothing():
    assert rules(MigrationPolicy("off")) == {}


def test_per_rule_overrides_win():
    assert rules(
        MigrationPolicy("block", {"drop-column": "warn", "drop-index-not-concurrently": "block"})
    ) == {"drop-column": "warn", "drop-index-not-concurrently": "block"}
    assert rules(MigrationPolicy("block", {"drop-column": "off"})) == {
        "drop-index-not-concurrently": "warn"
    }
    assert rules(MigrationPolicy("off", {"drop-column": "block"})) == {"drop-column": "block"}


def test_warn_only_report_is_not_blocked():
    report = check([PendingMigration("m", None, SQL[1:])], "pgsql", MigrationPolicy())
    assert report.findings and not report.blocked


@pytest.mark.parametrize(
    "mode, rules_, message",
    [
        ("strict", {}, "mode: expected one of block, warn, off, got 'strict'"),
        (
            "block",
            {"drop-colum": "off"},
            "rules.drop-colum: unknown rule (did you mean 'drop-column'?)",
        ),
        (
            "block",
            {"drop-column": "ignore"},
            "rules.drop-column: expected one of block, warn, off, got 'ignore'",
        ),
    ],
)
def test_typos_are_refused(mode, rules_, message):
    with pytest.raises(
        ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")
    ):
        MigrationPolicy(mode, rules_)


def test_policy_is_frozen():
    policy = MigrationPolicy("block", {"drop-column": "warn"})
    with pytest.raises(TypeError):
        policy.rules["drop-column"] = "off"  # type: ignore[index]
