"""Statements sqlglot 30 leaves unstructured (`exp.Command`), read from its token stream.

sqlglot falls back to a bare Command for MySQL `RENAME TABLE`, MySQL `ALTER TABLE … ADD CHECK`,
PostgreSQL `ALTER TABLE … VALIDATE CONSTRAINT` and `ALTER TYPE … ADD VALUE / RENAME VALUE`. Its
tokenizer still knows quoting and comments, so these few shapes are matched on tokens, never on
raw text. Any other Command is Unknown: the gate does not guess.
"""

from __future__ import annotations

import sqlglot
from sqlglot.tokens import TokenType

from . import ops

_NAME_TYPES = {TokenType.IDENTIFIER, TokenType.VAR}


class _Tokens:
    def __init__(self, head: str, rest: str, dialect: str):
        self.items = [(head.upper(), head, False)]
        for t in sqlglot.tokenize(rest, read=dialect):
            quoted = t.token_type in (TokenType.IDENTIFIER, TokenType.STRING)
            self.items.append((t.text if quoted else t.text.upper(), t.text, quoted))
        self.i = 0

    def take(self, *words: str) -> bool:
        """Consume the given unquoted keywords if they come next."""
        end = self.i + len(words)
        if end <= len(self.items) and all(
            not q and w == word for (w, _, q), word in zip(self.items[self.i : end], words)
        ):
            self.i = end
            return True
        return False

    def name(self) -> str | None:
        """A possibly schema-qualified name, or a string literal (enum labels)."""
        parts = []
        while self.i < len(self.items):
            parts.append(self.items[self.i][1])
            self.i += 1
            if not self.take("."):
                break
        return ".".join(parts) or None

    def done(self) -> bool:
        return self.i >= len(self.items)


def command_ops(head: str, rest: str, dialect: str) -> list[ops.Op]:
    try:
        tokens = _Tokens(head, rest, dialect)
    except Exception as exc:  # sqlglot's TokenError: unterminated literal and the like
        return [ops.Unknown(f"cannot tokenize: {exc}")]
    for reader in (_rename_tables, _validate_constraint, _alter_type, _add_check):
        tokens.i = 0
        found = reader(tokens)
        if found:
            return found
    return [
        ops.Unknown(
            f"sqlglot left this {head.upper()} statement unstructured and the gate does not guess"
        )
    ]


def _rename_tables(t: _Tokens) -> list[ops.Op]:
    if not t.take("RENAME", "TABLE"):
        return []
    found: list[ops.Op] = []
    while not t.done():
        old = t.name()
        if not (old and t.take("TO")):
            return []
        new = t.name()
        if not new:
            return []
        found.append(ops.RenameTable(old, new))
        if not t.take(","):
            break
    return found if t.done() else []


def _validate_constraint(t: _Tokens) -> list[ops.Op]:
    if not t.take("ALTER", "TABLE"):
        return []
    t.take("IF", "EXISTS")
    t.take("ONLY")
    table = t.name()
    if table and t.take("VALIDATE", "CONSTRAINT"):
        name = t.name()
        if name and t.done():
            return [ops.ValidateConstraint(table, name)]
    return []


def _alter_type(t: _Tokens) -> list[ops.Op]:
    if not t.take("ALTER", "TYPE"):
        return []
    type_name = t.name()
    if not type_name:
        return []
    if t.take("ADD", "VALUE"):
        t.take("IF", "NOT", "EXISTS")
        value = t.name()
        positioned = t.take("BEFORE") or t.take("AFTER")
        if positioned:
            t.name()
        return [ops.EnumAddValue(type_name, value or "", positioned)] if t.done() else []
    if t.take("RENAME", "VALUE"):
        old = t.name()
        if old and t.take("TO"):
            new = t.name()
            return [ops.EnumRenameValue(type_name, old, new or "")] if t.done() else []
    return []


def _add_check(t: _Tokens) -> list[ops.Op]:
    if not t.take("ALTER", "TABLE"):
        return []
    table = t.name()
    if not (table and t.take("ADD")):
        return []
    name = t.name() if t.take("CONSTRAINT") else None
    if t.take("CHECK"):
        return [ops.AddConstraint(table, "check", name)]
    return []
