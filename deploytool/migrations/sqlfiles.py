"""Raw `.sql` migrations: split a file into statements, respecting literals, comments and `$$`.

Used for apps that are not Laravel (a configured directory of `.sql` files) and for the offline
`check-migrations --sql FILE` command. The split keeps each statement's own comments, so words in
them reach the parser as comments, never as code.
"""

from __future__ import annotations

from .sqlscan import pieces


def split_statements(sql: str, dialect: str) -> list[str]:
    """The statements of a file, without their `;`. A part holding only comments is dropped."""
    statements: list[str] = []
    current: list[str] = []
    has_code = False
    for piece in pieces(sql, dialect):
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
