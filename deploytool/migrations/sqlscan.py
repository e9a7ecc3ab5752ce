"""A small SQL lexer that tells code from string literals, quoted names and comments.

It is not a parser: splitting a file into statements, finding annotation comments and numbering
`?` placeholders only need to know where literals and comments start and end, per dialect. It
never raises; an unterminated literal or comment runs to the end of the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Kind = Literal["code", "string", "ident", "comment"]


@dataclass(frozen=True)
class Piece:
    kind: Kind
    text: str


def pieces(sql: str, dialect: str) -> Iterator[Piece]:
    """Yield the text as consecutive pieces; joined back they give the input unchanged."""
    i, start, n = 0, 0, len(sql)
    while i < n:
        end, kind = _special_at(sql, i, dialect)
        if kind is None:
            i += 1
            continue
        if start < i:
            yield Piece("code", sql[start:i])
        yield Piece(kind, sql[i:end])
        i = start = end
    if start < n:
        yield Piece("code", sql[start:n])


def _special_at(s: str, i: int, dialect: str) -> tuple[int, Kind | None]:
    c, nxt = s[i], s[i + 1 : i + 2]
    if c == "-" and nxt == "-":
        # MySQL wants whitespace after `--`; `a--1` is arithmetic there.
        if dialect != "mysql" or s[i + 2 : i + 3] in ("", " ", "\t", "\n", "\r"):
            return _line_end(s, i), "comment"
    if c == "#" and dialect == "mysql":
        return _line_end(s, i), "comment"
    if c == "/" and nxt == "*":
        return _block_comment_end(s, i, nested=dialect == "pgsql"), "comment"
    if c == "'":
        backslash = dialect == "mysql" or (
            dialect == "pgsql" and i > 0 and s[i - 1] in "eE" and _word_start(s, i - 1)
        )
        return _quoted_end(s, i, "'", backslash), "string"
    if c == '"':
        # In MySQL (without ANSI_QUOTES) double quotes make a string, elsewhere a quoted name.
        return (
            (_quoted_end(s, i, '"', True), "string")
            if dialect == "mysql"
            else (_quoted_end(s, i, '"', False), "ident")
        )
    if c == "`" and dialect in ("mysql", "sqlite"):
        return _quoted_end(s, i, "`", False), "ident"
    if c == "[" and dialect == "sqlite":
        close = s.find("]", i + 1)
        return (len(s) if close < 0 else close + 1), "ident"
    if c == "$" and dialect == "pgsql":
        tag_end = _dollar_tag_end(s, i)
        if tag_end:
            tag = s[i:tag_end]
            close = s.find(tag, tag_end)
            return (len(s) if close < 0 else close + len(tag)), "string"
    return i + 1, None


def _word_start(s: str, i: int) -> bool:
    return i == 0 or not (s[i - 1].isalnum() or s[i - 1] == "_")


def _line_end(s: str, i: int) -> int:
    end = s.find("\n", i)
    return len(s) if end < 0 else end


def _block_comment_end(s: str, i: int, nested: bool) -> int:
    depth, j = 1, i + 2
    while j < len(s):
        if s.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        elif nested and s.startswith("/*", j):
            depth += 1
            j += 2
        else:
            j += 1
    return len(s)


def _quoted_end(s: str, i: int, quote: str, backslash: bool) -> int:
    j = i + 1
    while j < len(s):
        c = s[j]
        if backslash and c == "\\":
            j += 2
            continue
        if c == quote:
            if s[j + 1 : j + 2] == quote:  # a doubled quote stands for itself
                j += 2
                continue
            return j + 1
        j += 1
    return len(s)


def _dollar_tag_end(s: str, i: int) -> int:
    """End of a `$tag$` opener at i, or 0. `$1` (a parameter) is not a tag: tags never start with
    a digit."""
    j = i + 1
    if j < len(s) and s[j] == "$":
        return j + 1
    if j < len(s) and (s[j].isalpha() or s[j] == "_"):
        while j < len(s) and (s[j].isalnum() or s[j] == "_"):
            j += 1
        if j < len(s) and s[j] == "$":
            return j + 1
    return 0


def comments(sql: str, dialect: str) -> list[str]:
    return [p.text for p in pieces(sql, dialect) if p.kind == "comment"]


def number_placeholders(sql: str) -> str:
    """Turn PDO's `?` placeholders into PostgreSQL's `$1, $2, …` so libpg_query can parse them.

    Only `?` in code is touched; PDO writes a literal `?` operator (jsonb) as `??`.
    """
    out, n = [], 0
    for piece in pieces(sql, "pgsql"):
        if piece.kind != "code":
            out.append(piece.text)
            continue
        text, j = piece.text, 0
        while j < len(text):
            if text.startswith("??", j):
                out.append("?")
                j += 2
            elif text[j] == "?":
                n += 1
                out.append(f"${n}")
                j += 1
            else:
                out.append(text[j])
                j += 1
    return "".join(out)
