"""`deploytool check-migrations --sql FILE --dialect D`: the gate on one SQL file, no host needed.

Exit codes come from deploytool.errors.ExitCode: OK when clean (warnings included),
MIGRATION_BLOCKED when a blocking finding is not allowed, CONFIG when the file cannot be read (one
line, no traceback), USAGE for an unknown dialect.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ExitCode
from .check import check
from .dialect import DIALECTS
from .model import PendingMigration
from .policy import MigrationPolicy
from .render import report_table
from .sqlfiles import split_statements


def run_offline(
    sql_path: Path, dialect: str, policy: MigrationPolicy, as_json: bool, console
) -> int:
    if dialect not in DIALECTS:
        console.print(
            f"--dialect: expected one of {', '.join(DIALECTS)}, got {dialect!r}", markup=False
        )
        return int(ExitCode.USAGE)
    try:
        text = Path(sql_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        console.print(f"{sql_path}: cannot read: {reason}", markup=False, highlight=False)
        return int(ExitCode.CONFIG)
    migration = PendingMigration(
        Path(sql_path).name, str(sql_path), tuple(split_statements(text, dialect)), text
    )
    report = check([migration], dialect, policy)
    if as_json:
        console.out(json.dumps(report.to_dict(), indent=2), highlight=False)
    else:
        console.print(report_table(report))
    return int(ExitCode.MIGRATION_BLOCKED if report.blocked else ExitCode.OK)
