"""The running-code probe's script, run for real with sh and grep on a release tree made here."""

from __future__ import annotations

import subprocess

from deploytool.migrations.running_code import RunningCode, parse_found, pattern
from deploytool.probes import running_code as probe


def search(current, searched):
    argv = probe.command(str(current), pattern(searched)).argv
    done = subprocess.run(argv, capture_output=True, text=True)
    return probe.parse(done.returncode, done.stdout)


def test_it_finds_the_names_in_the_code_and_vendor_but_not_in_migrations_tests_or_storage(
    tmp_path,
):
    (tmp_path / "app/Models").mkdir(parents=True)
    (tmp_path / "app/Models/Comment.php").write_text("<?php return $this->vote + 1;\n")
    (tmp_path / "vendor/pkg/src").mkdir(parents=True)
    (tmp_path / "vendor/pkg/src/Uses.php").write_text("<?php $q->where('legacy_flag', 1);\n")
    for skipped in ("database/migrations", "tests", "storage/framework/views"):
        (tmp_path / skipped).mkdir(parents=True)
        (tmp_path / skipped / "x.php").write_text("<?php $t->dropColumn('stale_col');\n")
    searched = frozenset({"vote", "legacy_flag", "stale_col"})
    found = search(tmp_path, searched)
    rc = RunningCode(searched, parse_found(found))
    assert rc.uses_column("vote") and rc.uses_column("legacy_flag")
    assert rc.uses_column("stale_col") is False


def test_nothing_found_is_an_answer_and_no_release_is_not(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app/A.php").write_text("<?php echo 1;\n")
    assert search(tmp_path, frozenset({"vote"})) == ""
    assert search(tmp_path / "missing", frozenset({"vote"})) is None


def test_a_failed_search_means_nothing_is_known():
    # grep's 2 (a file it could not read): the unread file may be the one naming the column
    assert probe.parse(2, "vote\n") is None
    assert probe.parse(0, probe.NO_RELEASE + "\n") is None
