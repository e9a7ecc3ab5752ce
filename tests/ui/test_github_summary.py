"""Under GitHub Actions the ship appends its Markdown summary to $GITHUB_STEP_SUMMARY, whatever the
view; elsewhere it writes nothing."""

from __future__ import annotations

import io

from deploytool.ui import choose

from .events import failed, shipped
from .snapshot import snapshot


def run(view, events):
    for e in events:
        view(e)
    view.close()


def test_summary_file_is_appended_for_success_and_failure(no_ci, tmp_path):
    path = tmp_path / "summary.md"
    path.write_text("## earlier step\n")
    no_ci.setenv("GITHUB_ACTIONS", "true")
    no_ci.setenv("GITHUB_STEP_SUMMARY", str(path))
    run(choose(False, io.StringIO()), shipped())
    run(choose(True, io.StringIO()), failed())  # --json too
    text = path.read_text()
    assert text.startswith("## earlier step\n")  # appended, never truncated
    snapshot("github-step-summary.md", text)
    assert (
        "### ✅ deploytool ship `production`" in text
        and "| drain | 6.1s, 4 old worker(s), waited for 1 job(s)" in text
    )
    assert (
        "### ❌ deploytool ship `production`" in text and "| install | 2.0s | **failed** |" in text
    )
    assert "**Next:** fix composer.lock, then ship again" in text


def test_nothing_is_written_outside_github(no_ci, tmp_path):
    path = tmp_path / "summary.md"
    no_ci.setenv("GITHUB_STEP_SUMMARY", str(path))  # set, but not a GitHub runner
    run(choose(False, io.StringIO()), shipped())
    assert not path.exists()


def test_an_unwritable_summary_does_not_break_the_view(no_ci, tmp_path, capsys):
    no_ci.setenv("GITHUB_ACTIONS", "true")
    no_ci.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing-dir" / "summary.md"))
    out = io.StringIO()
    run(choose(False, out), shipped())
    assert "shipped 20260101T000000Z-e3bbaff" in out.getvalue()
    assert "cannot write the GitHub step summary" in capsys.readouterr().err
