"""The gate's vocabulary: the pending migrations it reads, the findings it makes, the report.

All frozen. `Report.to_dict()` is the JSON shape printed by `--json` and read by CI:

    {"version": 1, "dialect": "pgsql", "blocked": true,
     "migrations": ["2024_01_01_000000_drop_legacy_column", ...],
     "counts": {"block": 1, "warn": 0, "allowed": 1},
     "findings": [{"migration": ..., "rule": "drop-column", "category": "breaks-old-code",
                   "statement_index": 1, "statement": "<full SQL or null>", "excerpt": "...",
                   "why": "...", "alternative": "...", "severity": "block"|"warn",
                   "allowed": false, "allow_reason": null}]}

`statement_index` counts from 1 within the migration; 0 marks a finding about the migration as a
whole (a bad allow annotation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["block", "warn"]
# The three categories of the issue, plus "unknown" (a statement the gate cannot read) and
# "policy" (findings about allow annotations themselves).
CATEGORIES = ("breaks-old-code", "locks-table", "data-loss", "unknown", "policy")
JSON_VERSION = 1
# data-loss rules whose change also breaks the code still running (it reads what they drop)
DROPS_WHAT_OLD_CODE_READS = frozenset({"drop-table", "drop-schema"})


@dataclass(frozen=True)
class PendingMigration:
    name: str
    file: str | None
    statements: tuple[str | None, ...]  # None: the SQL is unknown (see notes)
    source: str | None = None  # the file's text: where allow annotations live
    notes: tuple[str | None, ...] = ()  # why a statement is unknown, aligned with statements
    # What the PHP source shows (phpfacts.SourceFacts), when the source itself is not at hand
    # (the corpus keeps facts, not fetched code); read from `source` otherwise.
    facts: Any = None


@dataclass(frozen=True)
class Finding:
    migration: str
    rule: str
    category: str
    statement: str | None
    excerpt: str
    why: str
    alternative: str
    severity: Severity
    allowed: bool = False
    allow_reason: str | None = None
    statement_index: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "migration": self.migration,
            "rule": self.rule,
            "category": self.category,
            "statement_index": self.statement_index,
            "statement": self.statement,
            "excerpt": self.excerpt,
            "why": self.why,
            "alternative": self.alternative,
            "severity": self.severity,
            "allowed": self.allowed,
            "allow_reason": self.allow_reason,
        }

    @property
    def label(self) -> str:
        return "ALLOWED" if self.allowed else self.severity.upper()


@dataclass(frozen=True)
class Report:
    dialect: str
    migrations: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def blocked(self) -> bool:
        return any(f.severity == "block" and not f.allowed for f in self.findings)

    @property
    def needs_downtime(self) -> tuple[Finding, ...]:
        """The changes the code still running cannot survive that the policy lets through: a
        finding of a blocking rule (not an advice rule) that breaks old code (its category, or a
        dropped table or schema it reads), downgraded to warn by the policy and not allowed by an
        annotation. The ship goes ahead with them, so `maintenance: auto` takes the app down."""
        from .rules import RULES  # late: the rules import this module

        def breaking(f: Finding) -> bool:
            rule = RULES.get(f.rule)
            return (
                rule is not None
                and rule.default == "block"
                and (f.category == "breaks-old-code" or f.rule in DROPS_WHAT_OLD_CODE_READS)
            )

        return tuple(
            f for f in self.findings if f.severity == "warn" and not f.allowed and breaking(f)
        )

    def for_migration(self, name: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.migration == name)

    def headline(self) -> str:
        active = [f for f in self.findings if not f.allowed]
        blocking = sum(f.severity == "block" for f in active)
        warnings = len(active) - blocking
        allowed = len(self.findings) - len(active)
        verdict = "BLOCKED" if self.blocked else "ok"
        n = len(self.migrations)
        return (
            f"migration gate ({self.dialect}): {verdict}: {blocking} blocking, {warnings} "
            f"warning(s), {allowed} allowed in {n} pending migration{'s' if n != 1 else ''}"
        )

    def lines(self) -> list[str]:
        """The report as plain text: CI logs and the ship's event stream show these lines."""
        lines = [self.headline()]
        for name in self.migrations:
            found = self.for_migration(name)
            if not found:
                continue
            lines.append(f"{name}:")
            for f in found:
                where = f"#{f.statement_index} " if f.statement_index else ""
                lines.append(f"  {f.label} {f.rule} [{f.category}] {where}{f.excerpt}")
                lines.append(f"    why: {f.why}")
                if f.allowed:
                    lines.append(f"    allowed: {f.allow_reason}")
                else:
                    lines.append(f"    instead: {f.alternative}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        active = [f for f in self.findings if not f.allowed]
        return {
            "version": JSON_VERSION,
            "dialect": self.dialect,
            "blocked": self.blocked,
            "migrations": list(self.migrations),
            "counts": {
                "block": sum(f.severity == "block" for f in active),
                "warn": sum(f.severity == "warn" for f in active),
                "allowed": len(self.findings) - len(active),
            },
            "findings": [f.to_dict() for f in self.findings],
        }
