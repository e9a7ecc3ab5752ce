"""The gate: pending migrations + dialect + policy (+ optional live schema) -> Report. Pure, no I/O.

Walks the migrations in order, so a table created earlier in the pending set may be altered
freely afterwards (old code cannot depend on it). Every operation meets every rule of the
dialect; the policy gives each finding its severity; allow annotations in a migration's source
mark findings of that migration as allowed, with the reason shown in the report.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from . import ops
from .annotations import Allow, find_allows
from .blueprint_ops import unprinted_ops
from .guarded import set_aside
from .live_schema import LiveSchema
from .ops import key
from .phpdrivers import runs_here
from .phpfacts import SourceFacts, read_facts
from .policy import MigrationPolicy
from .report import Finding, PendingMigration, Report
from .rules import RULES, Rule, Scope, rules_for
from .rules.meta import BAD_ANNOTATION
from .running_code import RunningCode
from .sqlscan import pieces
from .statements import read_statement

EXCERPT_CHARS = 160


def check(
    migrations: Sequence[PendingMigration],
    dialect: str,
    policy: MigrationPolicy,
    schema: LiveSchema | None = None,
    running: RunningCode | None = None,
) -> Report:
    """`running`: a search of the running release's code (running_code.py), if one was made."""
    rules = rules_for(dialect)
    new_tables: set[str] = set()
    new_columns: set[tuple[str, str]] = set()
    findings: list[Finding] = []
    for m in migrations:
        allows = find_allows(m.source, m.file, dialect)
        allowed = _allowed_rules(allows)
        findings.extend(_annotation_findings(m, allows, policy))
        facts = source_facts(m)
        transactional = dialect == "pgsql" and facts is not None and facts.within_transaction
        notes = m.notes + (None,) * (len(m.statements) - len(m.notes))
        parsed = [
            (i, sql, op)
            for i, (sql, note) in enumerate(zip(m.statements, notes), 1)
            for op in read_statement(sql, dialect, note)
        ]
        shown = [op for _, _, op in parsed]
        # The schema calls pretend never printed come before the source's unseen writes: a loop
        # that fills a column can only run after up() has added it, so the write is judged
        # knowing the column is new (a write to a column that does not exist yet would fail).
        parsed += [(0, None, op) for op in unprinted_ops(facts, shown, schema, dialect)]
        parsed += [(0, None, fact) for fact in source_ops(facts, shown, dialect)]
        parsed, skipped = set_aside(parsed, facts, schema)
        if skipped:  # the conditional's finding says what was set aside
            parsed = [
                (i, sql, ops.SourceFact(op.kind, skipped))
                if isinstance(op, ops.SourceFact) and op.kind == "schema_conditionals"
                else (i, sql, op)
                for i, sql, op in parsed
            ]
        statements = sum(1 for i, _, _ in parsed if i)
        all_ops = tuple(op for _, _, op in parsed)
        for pos, (index, sql, op) in enumerate(parsed):
            scope = Scope(
                dialect,
                schema,
                transactional,
                frozenset(new_tables),
                frozenset(new_columns),
                all_ops[:pos],
                all_ops[pos + 1 :],
                facts,
                running,
            )
            for rule in rules:
                if scope.is_new(getattr(op, "table", None)) and not rule.on_new_tables:
                    continue
                why = rule.detect(op, scope)
                if why is None:
                    continue
                finding = _finding(
                    m.name,
                    rule,
                    index,
                    sql,
                    why,
                    policy,
                    allowed,
                    transactional and statements > 1,
                    dialect,
                )
                if finding is not None:
                    findings.append(finding)
            _learn(op, new_tables, new_columns)
    return Report(dialect, tuple(m.name for m in migrations), tuple(findings))


def source_ops(
    facts: SourceFacts | None, shown: Sequence[ops.Op] = (), dialect: str = ""
) -> list[ops.Op]:
    """What the PHP source shows that pretend cannot, as operations for the source rules: each
    write pretend did not print (every write in a loop over query results; a write outside one
    when pretend printed no write to its table), and the facts no write stands for. Nothing
    when up() returns at once on this engine (`if (driver !== 'pgsql') return;`), and no write
    of a block another engine's driver test holds."""
    if facts is None or (dialect and facts.drivers and dialect not in facts.drivers):
        return []
    written = {key(op.table) for op in shown if isinstance(op, ops.Write)}
    here = [w for w in facts.writes if runs_here(w, dialect)]  # not under another engine's test
    unseen = [w for w in here if w.in_loop or key(w.table) not in written]
    out: list[ops.Op] = [ops.UnseenWrite(w) for w in unseen]
    # a loop whose writes were all read is judged by them; one whose writes were not, as a loop
    kinds = ["schema_conditionals", "dynamic_statement"]
    if facts.db_loop and not any(w.in_loop for w in facts.writes):
        kinds.insert(0, "db_loop")
    return out + [ops.SourceFact(k) for k in kinds if getattr(facts, k)]


def source_facts(m: PendingMigration) -> SourceFacts | None:
    """What the Laravel migration's PHP source shows; None for raw SQL migrations."""
    if m.facts is not None:
        return m.facts
    laravel = bool(m.source) and (
        (m.file or "").endswith(".php") or m.source.lstrip().startswith("<?php")
    )
    return read_facts(m.source) if laravel else None


def _learn(op: ops.Op, new_tables: set[str], new_columns: set[tuple[str, str]]) -> None:
    """Remember what the pending set creates: old code cannot depend on it."""
    if isinstance(op, ops.CreateTable):
        new_tables.add(key(op.table))
    elif isinstance(op, ops.RenameTable) and key(op.table) in new_tables:
        new_tables.add(key(op.to))
    elif isinstance(op, ops.AddColumn):
        new_columns.add((key(op.table), op.column.name.lower()))
    elif isinstance(op, ops.RenameColumn) and (key(op.table), op.column.lower()) in new_columns:
        new_columns.add((key(op.table), op.to.lower()))


def _allowed_rules(allows: list[Allow]) -> dict[str, str]:
    """Rule id -> reason, from the annotations that are valid."""
    result: dict[str, str] = {}
    for a in allows:
        if a.reason and a.rules and all(r in RULES for r in a.rules):
            for r in a.rules:
                result.setdefault(r, a.reason)
    return result


def _annotation_findings(
    m: PendingMigration, allows: list[Allow], policy: MigrationPolicy
) -> list[Finding]:
    rule = RULES[BAD_ANNOTATION]
    severity = policy.severity(rule.id, rule.default)
    if severity is None:
        return []
    out = []
    for a in allows:
        problems = []
        if not a.rules:
            problems.append("it names no rule (write `deploytool: allow RULE -- reason`)")
        for r in a.rules:
            if r not in RULES:
                close = difflib.get_close_matches(r, RULES, n=1)
                problems.append(
                    f"{r!r} is not a rule" + (f" (did you mean {close[0]!r}?)" if close else "")
                )
        if not a.reason:
            problems.append("it gives no reason after ` -- `, so it allows nothing")
        if problems:
            out.append(
                Finding(
                    m.name,
                    rule.id,
                    rule.category,
                    None,
                    a.text,
                    "; ".join(problems),
                    rule.alternative,
                    severity,
                    statement_index=0,
                )
            )
    return out


def _finding(
    migration: str,
    rule: Rule,
    index: int,
    sql: str | None,
    why: str,
    policy: MigrationPolicy,
    allowed: dict[str, str],
    in_long_txn: bool,
    dialect: str,
) -> Finding | None:
    severity = policy.severity(rule.id, rule.default)
    if severity is None:
        return None
    if (
        in_long_txn
        and rule.category == "locks-table"
        and rule.id not in ("concurrently-in-transaction", "validate-in-transaction")
    ):
        why += (
            "; Laravel runs this migration in one transaction, so the lock is held until the "
            "migration ends"
        )
    reason = allowed.get(rule.id)
    return Finding(
        migration,
        rule.id,
        rule.category,
        sql,
        excerpt(sql, dialect) if index else "(the migration's PHP source)",
        why,
        rule.alternative,
        severity,
        allowed=reason is not None,
        allow_reason=reason,
        statement_index=index,
    )


def excerpt(sql: str | None, dialect: str) -> str:
    """The statement on one line, without its comments, cut to EXCERPT_CHARS."""
    if sql is None:
        return "(SQL unknown)"
    flat = " ".join("".join(p.text for p in pieces(sql, dialect) if p.kind != "comment").split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"
