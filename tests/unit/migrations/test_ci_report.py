"""CI output: GitHub annotations and GitLab Code Quality, pointing at the migration's file:line."""

from __future__ import annotations

import json

from deploytool.migrations.check import check
from deploytool.migrations.ci_report import github_annotations, gitlab_code_quality
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration

SRC = """<?php
use Illuminate\\Database\\Migrations\\Migration;

return new class extends Migration
{
    public function up()
    {
        Schema::table('users', function (Blueprint $table) {
            $table->string('nick')->nullable();
            $table->dropColumn('legacy');
        });
    }

    public function down()
    {
        Schema::table('users', function (Blueprint $table) { $table->string('legacy'); });
    }
};
"""
FILE = "database/migrations/2024_01_01_000000_drop_legacy.php"


def _report():
    m = PendingMigration(
        "2024_01_01_000000_drop_legacy",
        FILE,
        ("alter table `users` add `nick` varchar(255) null", "alter table `users` drop `legacy`"),
        SRC,
    )
    return check([m], "mysql", MigrationPolicy()), [m]


def test_github_annotation_points_at_the_dropcolumn_line():
    report, ms = _report()
    out = github_annotations(report, ms)
    assert out.startswith(f"::error file={FILE},line=10,title=deploytool gate%3A drop-column::")
    assert "drops users.legacy" in out and out.count("\n") == 1


def test_gitlab_code_quality():
    report, ms = _report()
    issues = json.loads(gitlab_code_quality(report, ms))
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("drop-column", "critical", {"path": FILE, "lines": {"begin": 10}})
    ]
    assert issues[0]["fingerprint"] == json.loads(gitlab_code_quality(*_report()))[0]["fingerprint"]


def test_raw_sql_file_line_and_nothing_when_clean():
    sql = "-- add a column\nalter table t add c int null;\n\nalter table t drop d;\n"
    m = PendingMigration(
        "002_drop",
        "migrations/002_drop.sql",
        ("alter table t add c int null", "alter table t drop d"),
        sql,
    )
    report = check([m], "pgsql", MigrationPolicy())
    assert ",line=4," in github_annotations(report, [m])
    clean = PendingMigration("003", "migrations/003.sql", ("alter table t add e int null",), "")
    assert github_annotations(check([clean], "pgsql", MigrationPolicy()), [clean]) == ""
    assert (
        json.loads(gitlab_code_quality(check([clean], "pgsql", MigrationPolicy()), [clean])) == []
    )
