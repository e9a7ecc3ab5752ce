"""Where in a migration's file a finding points: the line a CI annotation is attached to.

Pretend prints SQL, not source positions, so the line is found by the names the statement
carries: the most specific quoted identifier of the statement (usually the column, then the
table) is looked for as a string literal inside `up()` (`$table->dropColumn('legacy')`,
`Schema::table('users', …)`); failing that the line of `up()` itself, or line 1. In a raw `.sql`
file the statement's own first line is found. Pure.
"""

from __future__ import annotations

import re

from .report import Finding, PendingMigration

_IDENT = re.compile(r'[`"]([^`"]+)[`"]')
_UP = re.compile(r"\bfunction\s+up\s*\(")


def line_of(finding: Finding, m: PendingMigration) -> int:
    src = m.source or ""
    if not src:
        return 1
    if not (m.file or "").endswith(".php") and not src.lstrip().startswith("<?php"):
        return _sql_line(finding.statement, src)
    up = _UP.search(src)
    start = up.start() if up else 0
    if finding.statement:
        for name in reversed(_IDENT.findall(finding.statement)):
            bare = name.rsplit(".", 1)[-1]
            hit = re.compile(rf"""['"]{re.escape(bare)}['"]""").search(src, start)
            if hit:
                return src.count("\n", 0, hit.start()) + 1
    return src.count("\n", 0, start) + 1


def _sql_line(statement: str | None, src: str) -> int:
    if not statement:
        return 1
    words = statement.split()[:4]
    rx = re.compile(r"\s+".join(re.escape(w) for w in words), re.I)
    hit = rx.search(src)
    return src.count("\n", 0, hit.start()) + 1 if hit else 1
