"""Rules about the gate's own knowledge: statements it cannot read, and bad allow annotations."""

from __future__ import annotations

from .. import ops
from .base import ALL, Rule, Scope

UNKNOWN = "unknown-statement"
BAD_ANNOTATION = "bad-allow-annotation"


def _unknown(op, s: Scope):
    from .source import pretend_stopped, stopped_is_harmless

    if pretend_stopped(op) and stopped_is_harmless(s):
        return None  # the source shows only inserts follow: pretend-stopped warns instead
    if isinstance(op, ops.Unknown):
        return f"the gate cannot tell what this statement does: {op.reason}"
    return None


def _never(op, s: Scope):
    return None  # findings of this rule are made from the migration's source, not from a statement


RULES = (
    Rule(
        UNKNOWN,
        "unknown",
        ALL,
        "a statement the gate cannot read",
        "Rewrite it in plain SQL the parser understands, or review it and annotate the migration "
        "with `deploytool: allow unknown-statement -- <why it is safe>`.",
        _unknown,
        on_new_tables=True,
    ),
    Rule(
        BAD_ANNOTATION,
        "policy",
        ALL,
        "an allow annotation without a reason or with an unknown rule",
        (
            "Write `deploytool: allow RULE -- reason`, naming a rule id from "
            "`deploytool check-migrations --rules`."
        ),
        _never,
        on_new_tables=True,
    ),
)
