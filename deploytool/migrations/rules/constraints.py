"""Constraint rules: foreign keys and CHECKs validated in one locking step, exclusion constraints,
and VALIDATE CONSTRAINT run inside the transaction that added the constraint.

A foreign key on a table the live statistics count small (data.SMALL_TABLE rows at most) is not
blocked: the copy (InnoDB) or the validating scan (PostgreSQL) is of those rows only, and the
locks last as long (controlcenter's positions, 402 rows).
"""

from __future__ import annotations

from .. import ops
from .base import MYSQL_PG, PG, Rule, Scope
from .data import small_table


def _foreign_key(op, s: Scope):
    adds = (isinstance(op, ops.AddConstraint) and op.kind == "foreign" and not op.not_valid) or (
        isinstance(op, ops.AddColumn) and op.column.references
    )
    if not adds or small_table(op.table, s):
        return None
    if s.dialect == "pgsql":
        return (
            f"adding a foreign key on {op.table} without NOT VALID checks every row while holding "
            "SHARE ROW EXCLUSIVE locks on it and on the referenced table: writes to both wait"
        )
    return (
        f"InnoDB adds a foreign key to {op.table} only with ALGORITHM=COPY while "
        "foreign_key_checks=1 (measured on MariaDB 10.11): the table is copied and writes wait"
    )


def _check(op, s: Scope):
    adds = (isinstance(op, ops.AddConstraint) and op.kind == "check" and not op.not_valid) or (
        isinstance(op, ops.AddColumn) and op.column.check and s.dialect == "pgsql"
    )
    if not adds:
        return None
    target = (
        f"domain {op.table}" if isinstance(op, ops.AddConstraint) and op.on_domain else op.table
    )
    if s.dialect == "pgsql":
        return (
            f"adding a CHECK on {target} without NOT VALID scans every row under an ACCESS "
            "EXCLUSIVE lock"
        )
    return (
        f"adding a CHECK on {target} copies the table (ALGORITHM=COPY, measured on MariaDB 10.11)"
    )


def _exclusion(op, s: Scope):
    if isinstance(op, ops.AddConstraint) and op.kind == "exclude":
        return (
            f"an exclusion constraint on {op.table} builds its index under an ACCESS EXCLUSIVE lock"
        )
    return None


def _validate_same_txn(op, s: Scope):
    if not (isinstance(op, ops.ValidateConstraint) and s.transactional):
        return None
    name = op.name.lower()
    for o in s.earlier:
        if isinstance(o, ops.AddConstraint) and o.not_valid and (o.name or "").lower() == name:
            return (
                f"VALIDATE CONSTRAINT {op.name} runs in the same transaction that added it NOT "
                "VALID, so the ADD's stronger lock is held through the whole validation scan"
            )
    return None


RULES = (
    Rule(
        "add-foreign-key",
        "locks-table",
        MYSQL_PG,
        "adding a foreign key in one validating step",
        "PostgreSQL: ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then VALIDATE CONSTRAINT in a later "
        "migration (it takes only SHARE UPDATE EXCLUSIVE). MySQL: an online schema change tool or "
        "a maintenance window.",
        _foreign_key,
    ),
    Rule(
        "add-check-constraint",
        "locks-table",
        MYSQL_PG,
        "adding a CHECK in one validating step",
        "PostgreSQL: ADD CONSTRAINT … CHECK (…) NOT VALID, then VALIDATE CONSTRAINT in a later "
        "migration. MySQL: enforce it in code first, add it in a maintenance window.",
        _check,
    ),
    Rule(
        "add-exclusion-constraint",
        "locks-table",
        PG,
        "adding an exclusion constraint",
        "There is no NOT VALID for exclusion constraints: add it in a maintenance window, or "
        "enforce the rule in code.",
        _exclusion,
    ),
    Rule(
        "validate-in-transaction",
        "locks-table",
        PG,
        "VALIDATE in the transaction that added the constraint",
        "Move VALIDATE CONSTRAINT to its own, later migration.",
        _validate_same_txn,
        on_new_tables=True,
    ),
)
