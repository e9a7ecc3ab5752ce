"""What people and scripts read of a doctor report: plain lines, JSON and the rich tables,
against snapshots."""

import json

from deploytool.ui import doctor_view as render

from .test_rules import APP, SNAPSHOTS, facts, run  # noqa: F401


def snapshot(name: str, text: str) -> None:
    from tests.ui.snapshot import snapshot as compare

    compare(name, text, SNAPSHOTS)


def sample_report():
    return run(
        facts("h1", program={"stopwaitsecs": None, "autorestart": None}),
        facts("h2", app=APP.replace("3d8e2923e513", "ffff0000aaaa")),
    )


def test_plain_report_snapshot():
    snapshot("stage.txt", "\n".join(render.plain_lines(sample_report())) + "\n")


def test_json_report_snapshot():
    text = render.json_text(sample_report()) + "\n"
    snapshot("stage.json", text)
    doc = json.loads(text)
    assert doc["ok"] is False and doc["counts"] == {"pass": 24, "warn": 0, "fail": 3}
    assert {f["host"] for f in doc["findings"]} == {"h1", "h2", ""}


def test_rich_report_renders_every_finding():
    from rich.console import Console

    console = Console(record=True, width=120, force_terminal=False)
    console.print(render.tables(sample_report()))
    text = console.export_text()
    assert "[program:worker]" in text and "FAIL" in text and "fix: set autorestart=true" in text
    assert "doctor stage lab: FAILED: 3 failed" in text
