"""How a doctor report looks: plain lines for CI logs, a rich table per subject for terminals,
one JSON document for scripts. Every failure and warning carries its one-line fix."""

from __future__ import annotations

import json

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..doctor.report import FAIL, PASS, WARN, Report

LABEL = {PASS: "PASS", WARN: "WARN", FAIL: "FAIL"}
STYLE = {PASS: "green", WARN: "yellow", FAIL: "bold red"}


def summary(report: Report) -> str:
    c = report.counts
    verdict = "FAILED" if report.failed else "ok"
    return (
        f"doctor {report.target}: {verdict}: {c[FAIL]} failed, {c[WARN]} warning(s), {c[PASS]} "
        "passed"
    )


def plain_lines(report: Report) -> list[str]:
    lines = []
    for f in report.findings:
        lines.append(f"{LABEL[f.status]} {f.subject}: {f.check}: {f.message}")
        if f.fix:
            lines.append(f"     fix: {f.fix}")
        if f.where and f.status != PASS:
            lines.append(f"     at: {f.where}")
    lines.append(summary(report))
    return lines


def json_text(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True)


def _group(f) -> tuple[str, str]:
    """(host or file, the rest of the subject): one table per host or file."""
    if f.host:
        return f.host, f.subject[len(f.host) :].strip()
    head, _, rest = f.subject.partition(" ")
    return head, rest


def tables(report: Report):
    groups: dict[str, list] = {}
    for f in report.findings:
        key, what = _group(f)
        groups.setdefault(key, []).append((what, f))
    parts = []
    for key, rows in groups.items():
        t = Table(
            title=Text(key, style="bold"),
            title_justify="left",
            show_header=False,
            box=None,
            pad_edge=False,
            expand=False,
        )
        t.add_column("status", no_wrap=True)
        t.add_column("what", no_wrap=True, style="cyan")
        t.add_column("check", no_wrap=True, style="dim")
        t.add_column("finding")
        for what, f in rows:
            body = Text(f.message)
            if f.fix:
                body.append("\nfix: ", style="bold").append(f.fix)
            if f.where and f.status != PASS:
                body.append(f"\nat {f.where}", style="dim")
            t.add_row(Text(LABEL[f.status], style=STYLE[f.status]), Text(what), f.check, body)
        parts += [t, Text("")]
    parts.append(Text(summary(report), style="bold red" if report.failed else "bold green"))
    return Group(*parts)


plain = plain_lines
rich = tables
