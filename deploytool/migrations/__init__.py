"""The migration compatibility gate: which pending SQL is unsafe while old workers still run.

Between `migrate` and the exit of the last old worker, old code runs against the new schema.
This package finds the pending SQL (Laravel's pretend output, or raw .sql files), parses it with
a real parser per dialect into operations, runs the rules over them, applies the policy and the
allow annotations, and renders the report. Everything here is pure except offline.py's file read.
"""

from .check import check
from .dialect import dialect_from_driver
from .live_schema import LiveSchema
from .policy import MigrationPolicy
from .pretend import PendingStatement, class_to_file, migrations_from_pretend, parse_pretend
from .report import Finding, PendingMigration, Report
from .rules import RULES

__all__ = [
    "check",
    "dialect_from_driver",
    "Finding",
    "PendingMigration",
    "Report",
    "MigrationPolicy",
    "PendingStatement",
    "class_to_file",
    "migrations_from_pretend",
    "parse_pretend",
    "RULES",
    "LiveSchema",
]
