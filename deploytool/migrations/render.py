"""How a Report looks: a rich table per migration for terminals, plain lines for CI logs.

Each finding shows its rule, the statement excerpt, why it is unsafe while old workers run, and
the safe expand/contract alternative; an allowed finding shows the annotation's reason instead of
blocking.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .model import Finding, Report


def headline(report: Report) -> str:
    active = [f for f in report.findings if not f.allowed]
    blocking = sum(f.severity == "block" for f in active)
    warnings = len(active) - blocking
    allowed = len(report.findings) - len(active)
    verdict = "BLOCKED" if report.blocked else "ok"
    n = len(report.migrations)
    return (
        f"migration gate ({report.dialect}): {verdict}: {blocking} blocking, {warnings} "
        f"warning(s), {allowed} allowed in {n} pending migration{'s' if n != 1 else ''}"
    )


def _label(f: Finding) -> str:
    return "ALLOWED" if f.allowed else f.severity.upper()


def report_lines(report: Report) -> list[str]:
    lines = [headline(report)]
    for name in report.migrations:
        found = report.for_migration(name)
        if not found:
            continue
        lines.append(f"{name}:")
        for f in found:
            where = f"#{f.statement_index} " if f.statement_index else ""
            lines.append(f"  {_label(f)} {f.rule} [{f.category}] {where}{f.excerpt}")
            lines.append(f"    why: {f.why}")
            if f.allowed:
                lines.append(f"    allowed: {f.allow_reason}")
            else:
                lines.append(f"    instead: {f.alternative}")
    return lines


_STYLE = {"BLOCK": "bold red", "WARN": "yellow", "ALLOWED": "green"}


def report_table(report: Report):
    parts = [Text(headline(report), style="bold red" if report.blocked else "bold green")]
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
            label = _label(f)
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
