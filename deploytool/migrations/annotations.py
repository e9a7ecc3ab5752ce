"""Allow annotations: `deploytool: allow RULE[, RULE…] -- reason`, written in a migration's
comments.

An annotation allows the named rules for that one migration and its reason is shown in the
report. It must carry a reason after ` -- `; one without a reason, or naming a rule that does not
exist, allows nothing and becomes a finding itself, so a typo cannot silently pass a migration.
Comments are found with a lexer (PHP or SQL), so the marker inside a string literal is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from .phpsource import split_php
from .sqlscan import comments as sql_comments

MARKER = "deploytool:"


@dataclass(frozen=True)
class Allow:
    rules: tuple[str, ...]
    reason: str | None
    text: str


def source_comments(source: str, file: str | None, dialect: str) -> list[str]:
    is_php = (file or "").endswith(".php") or source.lstrip().startswith("<?php")
    return split_php(source)[0] if is_php else sql_comments(source, dialect)


def find_allows(source: str | None, file: str | None, dialect: str) -> list[Allow]:
    if not source:
        return []
    found = []
    for comment in source_comments(source, file, dialect):
        for line in comment.splitlines():
            allow = _parse_line(line)
            if allow is not None:
                found.append(allow)
    return found


def _parse_line(line: str) -> Allow | None:
    at = line.lower().find(MARKER)
    if at < 0:
        return None
    text = line[at:].strip().removesuffix("*/").strip()
    body = text[len(MARKER) :].strip()
    verb, _, rest = body.partition(" ")
    if verb.lower() != "allow":
        return Allow((), None, text) if verb else None
    ids_part, sep, reason = rest.partition(" --")
    if not sep:
        ids_part, sep, reason = rest.partition("--")
    rules = tuple(r for r in ids_part.replace(",", " ").split() if r)
    reason = reason.strip()
    return Allow(rules, reason or None, text)
