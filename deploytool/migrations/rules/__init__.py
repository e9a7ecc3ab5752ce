"""The rule registry: every rule, one module per family, looked up by id.

Each rule has an id, a category (breaks-old-code, locks-table, data-loss; plus unknown and
policy for the gate's own findings), the dialects it applies to, a one-line summary, and the
safe expand/contract alternative shown next to every finding.
"""

from __future__ import annotations

from . import columns, constraints, data, indexes, loops, meta, running, source, tables, types
from .base import Rule, Scope

RULES: dict[str, Rule] = {
    r.id: r
    for family in (columns, types, tables, running, indexes, constraints, data, source, loops, meta)
    for r in family.RULES
}


def rules_for(dialect: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES.values() if dialect in r.dialects)


__all__ = ["RULES", "Rule", "Scope", "rules_for"]
