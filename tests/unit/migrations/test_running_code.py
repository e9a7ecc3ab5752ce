"""What the running release's code names, and what the gate does with it (running_code.py,
rules/running.py): a drop or rename of a name the old code never uses is said, not blocked."""

from __future__ import annotations

import re

from deploytool.migrations.check import check
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration
from deploytool.migrations.running_code import RunningCode, candidates, parse_found, pattern

SOURCE = """<?php
Schema::table('comments', function (Blueprint $table) { $table->dropColumn('is_private'); });
Schema::dropIfExists('votes');
"""
SQL = ("alter table `comments` drop `is_private`", "drop table if exists `votes`")


def searched():
    return candidates([SOURCE], SQL)


def test_the_candidates_are_the_quoted_names_less_the_ones_every_model_has():
    assert searched() == {"comments", "is_private", "votes"}
    assert "created_at" not in candidates(["$t->dropColumn('created_at');"])


def test_the_pattern_asks_for_every_form_a_use_could_take():
    rx = re.compile(pattern(searched()), re.I)
    for used in ("Vote", "getIsPrivateAttribute", "isPrivate", "comments", "Comment"):
        assert rx.fullmatch(used), used
    assert not rx.fullmatch("users")


def code(*identifiers: str) -> RunningCode:
    return RunningCode(searched(), parse_found("\n".join(identifiers) + "\n"))


def test_a_table_is_used_by_its_name_or_its_model_class():
    assert code("votes").uses_table("votes") is True
    assert code("Vote").uses_table("votes") is True
    assert code("voter", "Comment").uses_table("votes") is False
    assert code().uses_table("never_searched") is None  # not asked: nothing is known


def test_a_pivot_counts_as_used_by_either_model():
    rc = RunningCode(frozenset({"role_user"}), parse_found("User\n"))
    assert rc.uses_table("role_user") is True


def test_a_column_is_used_by_its_name_or_as_a_hump_of_an_accessor_or_scope():
    assert code("is_private").uses_column("is_private") is True
    assert code("getIsPrivateAttribute").uses_column("is_private") is True
    assert code("isPrivate").uses_column("is_private") is True
    assert code("IsPrivately", "is_privately").uses_column("is_private") is False
    assert code().uses_column("is_private") is False


def judge(running: RunningCode | None, dialect: str = "mysql"):
    m = PendingMigration("2030_drop", "2030_drop.php", SQL, SOURCE)
    return check([m], dialect, MigrationPolicy(), None, running)


def rules(report):
    return sorted((f.rule, f.severity) for f in report.findings)


def test_the_decisive_identifiers_answer_every_question_as_the_full_list_does():
    # what a stored corpus fact keeps: a found list cut to the identifiers that decide an answer
    names = frozenset({"comments", "is_private", "votes", "role_user", "layout", "status"})
    found = frozenset(
        {
            "Comment",
            "CommentController",
            "getIsPrivateAttribute",
            "isPrivateish",
            "Role",
            "ChannelLayout",
            "layouts",
            "status_code",
            "STATUS",
            "private",
            "Votes",
            "voter",
        }
    )
    full = RunningCode(names, found)
    cut = RunningCode(names, full.decisive())
    assert len(cut.found) < len(found)
    for n in names:
        assert (cut.uses_table(n), cut.uses_column(n)) == (full.uses_table(n), full.uses_column(n))
    assert {"Comment", "getIsPrivateAttribute", "Role", "STATUS", "Votes"} <= cut.found
    assert not {"CommentController", "voter", "layouts"} & cut.found


def test_unknown_running_code_blocks_the_drops_as_before():
    assert rules(judge(None)) == [("drop-column", "block"), ("drop-table", "block")]


def test_names_the_running_code_never_uses_are_said_not_blocked():
    report = judge(code("Comment", "comments"))
    assert rules(report) == [("contract-unused", "warn")] * 2
    assert not report.blocked
    assert "never names it" in report.findings[0].why


def test_a_name_the_running_code_uses_still_blocks():
    report = judge(code("Vote", "getIsPrivateAttribute"))
    assert rules(report) == [("drop-column", "block"), ("drop-table", "block")]


def test_sqlite_rebuilds_still_block_when_the_column_is_unused():
    m = PendingMigration(
        "2030_drop",
        "2030_drop.php",
        (
            "CREATE TEMPORARY TABLE __temp__comments AS SELECT id FROM comments",
            "DROP TABLE comments",
            "CREATE TABLE comments (id INTEGER NOT NULL, PRIMARY KEY(id))",
            "INSERT INTO comments (id) SELECT id FROM __temp__comments",
            "DROP TABLE __temp__comments",
        ),
        SOURCE,
    )
    report = check([m], "sqlite", MigrationPolicy(), None, code("Comment"))
    assert "table-rebuild" in {f.rule for f in report.findings}
    assert report.blocked


def test_check_migrations_with_running_code_on_the_command_line(tmp_path):
    # --sql with --running: the search is the real probe script, run here with sh and grep
    import json
    import subprocess
    import sys

    sql = tmp_path / "drop.sql"
    sql.write_text("alter table `comments` drop `audit_note`;\n")
    running = tmp_path / "running"
    (running / "app").mkdir(parents=True)
    (running / "app/Comment.php").write_text("<?php class Comment { }\n")

    def run(*flags):
        argv = ["check-migrations", "--sql", str(sql), "--dialect", "mysql", "--json", *flags]
        done = subprocess.run(
            [sys.executable, "-m", "deploytool.cli", *argv], capture_output=True, text=True
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}

    code, doc = run("--running", str(running))
    assert code == 0 and [f["rule"] for f in doc["findings"]] == ["contract-unused"], doc
    (running / "app/Comment.php").write_text("<?php echo $comment->audit_note;\n")
    code, doc = run("--running", str(running))
    assert code == 6 and [f["rule"] for f in doc["findings"]] == ["drop-column"], doc
    code, _ = run("--running", str(tmp_path / "nowhere"))
    assert code == 3  # a config error naming the path, no traceback
