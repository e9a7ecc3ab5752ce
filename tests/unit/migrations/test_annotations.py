"""Allow annotations: in PHP and SQL comments, with a mandatory reason; never from string
literals."""

from __future__ import annotations

from deploytool.migrations.check import check
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration

DROP = ('alter table "users" drop column "legacy"',)


def run(
    source: str, file: str = "2024_01_01_000000_drop_legacy.php", statements=DROP, dialect="pgsql"
):
    report = check([PendingMigration("m", file, statements, source)], dialect, MigrationPolicy())
    return report, {f.rule: f for f in report.findings}


def test_php_line_comment_allows_with_reason():
    report, found = run("<?php\n// deploytool: allow drop-column -- unused since release 41\n")
    assert (
        found["drop-column"].allowed
        and found["drop-column"].allow_reason == "unused since release 41"
    )
    assert not report.blocked


def test_php_hash_and_block_comments():
    for src in (
        "<?php\n# deploytool: allow drop-column -- gone\n",
        "<?php\n/* deploytool: allow drop-column -- gone */\n",
        "<?php\n/**\n * deploytool: allow drop-column, rename-table -- gone\n */\n",
    ):
        report, found = run(src)
        assert found["drop-column"].allow_reason == "gone", src
        assert not report.blocked


def test_sql_comment_in_raw_migration():
    report, found = run(
        "-- deploytool: allow drop-column -- archived\nalter table ...", file="001_drop.sql"
    )
    assert found["drop-column"].allowed and not report.blocked


def test_missing_reason_allows_nothing_and_is_a_finding():
    report, found = run("<?php\n// deploytool: allow drop-column\n")
    assert not found["drop-column"].allowed
    assert found["bad-allow-annotation"].severity == "block"
    assert "no reason" in found["bad-allow-annotation"].why
    assert report.blocked


def test_unknown_rule_suggests_the_closest():
    report, found = run("<?php\n// deploytool: allow drop-colum -- typo\n")
    assert "did you mean 'drop-column'" in found["bad-allow-annotation"].why
    assert not found["drop-column"].allowed and report.blocked


def test_marker_inside_a_php_string_is_not_an_annotation():
    report, found = run('<?php\n$s = "// deploytool: allow drop-column -- sneaky";\n')
    assert not found["drop-column"].allowed and "bad-allow-annotation" not in found


def test_annotation_only_allows_the_named_rule():
    report, found = run("<?php\n// deploytool: allow truncate -- lab only\n")
    assert not found["drop-column"].allowed and report.blocked


def test_unknown_statement_can_be_allowed():
    report, found = run(
        "<?php\n// deploytool: allow unknown-statement -- reviewed by hand\n", statements=(None,)
    )
    assert found["unknown-statement"].allowed and not report.blocked


def test_report_lines_show_the_reason():
    report, _ = run("<?php\n// deploytool: allow drop-column -- unused since release 41\n")
    text = "\n".join(report.lines())
    assert "ALLOWED drop-column" in text and "allowed: unused since release 41" in text
