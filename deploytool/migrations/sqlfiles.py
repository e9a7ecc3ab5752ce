"""Raw `.sql` migrations: split a file into statements, respecting literals, comments and `$$`.

Used for apps that are not Laravel (a configured directory of `.sql` files) and for the offline
`check-migrations --sql FILE` command. The split keeps each statement's own comments, so words in
them reach the parser as comments, never as code.

Migration tools that keep both directions in one file mark them with line comments: goose
(`-- +goose Up` / `-- +goose Down`), sql-migrate (`-- +migrate Up` / `Down`) and dbmate
(`-- migrate:up` / `-- migrate:down`). Such a file contributes only its up section: the down
section's DROPs are what a rollback would run, not the deploy.
"""

from __future__ import annotations

import re

from .sqlscan import pieces

_UP = re.compile(
    r"^[ \t]*--[ \t]*(?:\+goose[ \t]+up|\+migrate[ \t]+up|migrate:up)\b.*$", re.I | re.M
)
_DOWN = re.compile(
    r"^[ \t]*--[ \t]*(?:\+goose[ \t]+down|\+migrate[ \t]+down|migrate:down)\b.*$", re.I | re.M
)


def up_section(sql: str) -> str:
    """The up part of a file with migration-tool markers; the whole file otherwise."""
    up = _UP.search(sql)
    if up is None:
        return sql
    down = _DOWN.search(sql, up.end())
    return sql[up.end() : down.start() if down else len(sql)]


def split_statements(sql: str, dialect: str) -> list[str]:
    """The statements of a file, without their `;`. A part holding only comments is dropped."""
    statements: list[str] = []
    current: list[str] = []
    has_code = False
    for piece in pieces(up_section(sql), dialect):
        if piece.kind != "code":
            current.append(piece.text)
            has_code = has_code or piece.kind != "comment"
            continue
        parts = piece.text.split(";")
        for k, part in enumerate(parts):
            if k > 0:
                _flush(statements, current, has_code)
                current, has_code = [], False
            current.append(part)
            has_code = has_code or bool(part.strip())
    _flush(statements, current, has_code)
    return statements


def _flush(statements: list[str], current: list[str], has_code: bool) -> None:
    text = "".join(current).strip()
    if text and has_code:
        statements.append(text)
