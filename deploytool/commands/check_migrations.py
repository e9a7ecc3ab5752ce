"""`deploytool check-migrations`: the migration gate on its own.

Offline: `--sql FILE --dialect mysql|pgsql|sqlite` checks a file of statements. Against a stage:
prepares the new release on the migration host (pull + install only), pretends, reports, and
removes what it created.
"""

from __future__ import annotations

from pathlib import Path

from . import common


def add(sub) -> None:
    p = sub.add_parser(
        "check-migrations", help="check pending migrations against the code still running"
    )
    common.add_inventory(p)
    p.add_argument("stage", nargs="?")
    p.add_argument("--ref")
    p.add_argument("--sql", help="check this file of SQL statements offline")
    p.add_argument("--dialect", choices=("mysql", "pgsql", "sqlite"), default="mysql")
    p.add_argument("--policy", choices=("block", "warn"), default="block")
    p.add_argument("--json", action="store_true")


def run(args) -> int:
    from rich.console import Console

    from ..errors import UsageError
    from ..migrations.offline import run_offline
    from ..migrations.policy import MigrationPolicy

    if args.sql:
        return run_offline(
            Path(args.sql), args.dialect, MigrationPolicy(args.policy), args.json, Console()
        )
    if not args.stage:
        raise UsageError("check-migrations needs a stage, or --sql FILE for an offline check")
    from .check_migrations_stage import run_stage

    return run_stage(args)
