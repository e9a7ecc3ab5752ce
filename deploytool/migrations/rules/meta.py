"""Rules about the gate's own knowledge: statements it cannot read, and bad allow annotations."""

from __future__ import annotations

import re

from .. import ops
from .base import ALL, Rule, Scope

UNKNOWN = "unknown-statement"
BAD_ANNOTATION = "bad-allow-annotation"


def _unknown(op, s: Scope):
    from .source import pretend_stopped, stopped_unread

    if pretend_stopped(op):
        why = stopped_unread(s)
        if not why:
            return None  # the source was judged in its place: pretend-stopped warns instead
        return f"the gate cannot tell what this statement does: {op.reason}; {why}"
    if isinstance(op, ops.Unknown) and not harmless(op, s):
        return f"the gate cannot tell what this statement does: {op.reason}"
    return None


# Statements that create something new or only read or configure: nothing old code uses changes.
# Triggers are not here: a trigger on an existing table changes what old code's writes do.
_HARMLESS_HEADS = re.compile(
    r"^(?:select|show|explain|describe|set|analyze|grant|comment|"
    r"create (?:or replace )?(?:function|procedure|view|sequence|type|extension|event|role|"
    r"user|schema|database|aggregate|operator|collation|domain)|"
    r"create (?:temporary|temp) table)\b"
)


def harmless(op: ops.Unknown, s: Scope | None = None) -> bool:
    # An ALTER TABLE of a table this pending set creates (osu-web's `CHANGE ... float unsigned`
    # right after its create) changes nothing the running release uses, whatever it does.
    new = s is not None and s.is_new(op.table)
    return new or (bool(op.head) and bool(_HARMLESS_HEADS.match(op.head)))


def _unknown_harmless(op, s: Scope):
    if isinstance(op, ops.Unknown) and harmless(op, s):
        kind = (
            f"alters `{op.table}`, which this pending set creates"
            if s.is_new(op.table)
            else f"is a `{op.head}`: it creates something new or only reads"
        )
        return (
            f"the gate cannot read this statement ({op.reason}), but it {kind}, so old code is "
            "not affected"
        )
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
        "unknown-harmless-statement",
        "unknown",
        ALL,
        "a statement the gate cannot read, of a kind that cannot break old code",
        "Review it; rewrite it in SQL the parser reads to have it checked.",
        _unknown_harmless,
        default="warn",
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
