"""How the gate's report looks: a rich table per migration for terminals; plain lines (CI logs,
the ship's event stream) are the report's own text form, Report.lines().

Each finding shows its rule, the statement excerpt, why it is unsafe while old workers run, and
the safe expand/contract alternative; an allowed finding shows the annotation's reason instead of
blocking.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..migrations.report import Report

_STYLE = {"BLOCK": "bold red", "WARN": "yellow", "ALLOWED": "green"}


def report_table(report: Report):
    parts = [Text(report.headline(), style="bold red" if report.blocked else "bold green")]
    for name in report.migrations:
        found = report.for_migration(name)
        if not found:
            continue
        table = Table(title=name, title_justify="left", show_lines=True, expand=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("statement", ratio=2)
        table.add_column("why", ratio=3)
        table.add_column("safe alternative", ratio=3)
        for f in found:
            label = f.label
            rule = Text(f"{label}\n", style=_STYLE[label]) + Text(
                f"{f.rule}\n{f.category}", style="dim"
            )
            statement = Text(f"#{f.statement_index} " if f.statement_index else "") + Text(
                f.excerpt
            )
            alternative = (
                Text(f"allowed: {f.allow_reason}", style="green")
                if f.allowed
                else Text(f.alternative)
            )
            table.add_row(rule, statement, Text(f.why), alternative)
        parts.append(table)
    return Group(*parts)


@dataclass(frozen=True)
class GateResult:
    """A check-migrations answer: the report, and where it was checked (shown above it)."""

    report: Report
    heading: str = ""
    annotations: str = ""  # GitHub Actions workflow commands, printed after the report

    def to_dict(self) -> dict:
        return self.report.to_dict()


def plain(result: GateResult) -> list[str]:
    head = [result.heading] if result.heading else []
    return head + result.report.lines() + result.annotations.splitlines()


def rich(result: GateResult):
    parts = [Text(result.heading)] if result.heading else []
    parts.append(report_table(result.report))
    if result.annotations:  # GitHub reads them from the log as they are: no markup
        parts.append(Text(result.annotations.rstrip("\n")))
    return Group(*parts)
