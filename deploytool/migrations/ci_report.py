"""The gate's findings as CI systems show them, each pointing at the migration's file:line.

* GitHub Actions: workflow commands on stdout (`::error file=…,line=…,title=…::message`), which
  GitHub attaches to the pull request's diff; blocking findings are errors, the rest warnings.
* GitLab: a Code Quality report (a JSON list, the `codequality` artifact), which GitLab shows in
  the merge request; blocking findings are `critical`, the rest `minor`. Fingerprints are stable
  across runs (migration, rule, statement), so GitLab can tell new findings from old ones.

Allowed findings are left out of both: they were reviewed. Pure: text in, text out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from .locate import line_of
from .report import Finding, PendingMigration, Report


def _located(report: Report, migrations: Sequence[PendingMigration]):
    by_name = {m.name: m for m in migrations}
    for f in report.findings:
        if f.allowed:
            continue
        m = by_name.get(f.migration)
        path = (m.file if m and m.file else f.migration) or f.migration
        yield f, path, (line_of(f, m) if m else 1)


def _message(f: Finding) -> str:
    return f"{f.why}. Instead: {f.alternative}"


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github_annotations(report: Report, migrations: Sequence[PendingMigration]) -> str:
    lines = []
    for f, path, line in _located(report, migrations):
        level = "error" if f.severity == "block" else "warning"
        title = _escape_property(f"deploytool gate: {f.rule}")
        lines.append(
            f"::{level} file={_escape_property(path)},line={line},title={title}::"
            + _escape_data(_message(f))
        )
    return "\n".join(lines) + ("\n" if lines else "")


def gitlab_code_quality(report: Report, migrations: Sequence[PendingMigration]) -> str:
    issues = []
    for f, path, line in _located(report, migrations):
        key = f"{f.migration}\0{f.rule}\0{f.statement_index}\0{f.statement or ''}"
        issues.append(
            {
                "description": f"{f.rule}: {_message(f)}",
                "check_name": f.rule,
                "fingerprint": hashlib.sha256(key.encode()).hexdigest(),
                "severity": "critical" if f.severity == "block" else "minor",
                "categories": ["Bug Risk"],
                "location": {"path": path, "lines": {"begin": line}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"
