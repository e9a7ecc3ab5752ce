"""Just enough of PHP's lexical rules to read a Laravel migration file without running it.

The gate needs two facts from the PHP source: its comments (where allow annotations live) and
whether the class sets `$withinTransaction = false` (on PostgreSQL that decides whether locks are
held to the end of the migration). Both must ignore look-alikes inside strings, so this walks
strings, heredocs and comments the way PHP does instead of searching the text.
"""

from __future__ import annotations


def split_php(src: str) -> tuple[list[str], str]:
    """Return (comments, code), where code has every comment and string literal blanked out."""
    comments: list[str] = []
    code: list[str] = []
    i, n = 0, len(src)
    while i < n:
        c, nxt = src[i], src[i + 1 : i + 2]
        if (c == "/" and nxt == "/") or (c == "#" and nxt != "["):  # `#[` is a PHP 8 attribute
            end = src.find("\n", i)
            end = n if end < 0 else end
            comments.append(src[i:end])
            i = end
        elif c == "/" and nxt == "*":
            end = src.find("*/", i + 2)
            end = n if end < 0 else end + 2
            comments.append(src[i:end])
            i = end
        elif c in "'\"`":
            i = _string_end(src, i, c)
            code.append(" ")
        elif src.startswith("<<<", i):
            i = _heredoc_end(src, i)
            code.append(" ")
        else:
            code.append(c)
            i += 1
    return comments, "".join(code)


def _string_end(s: str, i: int, quote: str) -> int:
    j = i + 1
    while j < len(s):
        if s[j] == "\\":
            j += 2
        elif s[j] == quote:
            return j + 1
        else:
            j += 1
    return len(s)


def _heredoc_end(s: str, i: int) -> int:
    line_end = s.find("\n", i)
    if line_end < 0:
        return len(s)
    label = s[i + 3 : line_end].strip().strip("'\"")
    if not label:
        return i + 3
    j = line_end + 1
    while j < len(s):
        eol = s.find("\n", j)
        eol = len(s) if eol < 0 else eol
        line = s[j:eol].lstrip()
        # PHP 7.3+: the closing label may be indented and followed by `;`, `,` or `)`.
        if line.startswith(label) and not (
            line[len(label) : len(label) + 1].isalnum() or line[len(label) : len(label) + 1] == "_"
        ):
            return j + (len(s[j:eol]) - len(line)) + len(label)
        j = eol + 1
    return len(s)


def _tokens(code: str) -> list[str]:
    tokens, word = [], []
    for c in code:
        if c.isalnum() or c in "_$":
            word.append(c)
            continue
        if word:
            tokens.append("".join(word))
            word = []
        if not c.isspace():
            tokens.append(c)
    if word:
        tokens.append("".join(word))
    return tokens


def disables_transaction(src: str) -> bool:
    """True when the migration declares `$withinTransaction = false` (Laravel then runs it bare)."""
    tokens = _tokens(split_php(src)[1])
    for k in range(len(tokens) - 2):
        if (
            tokens[k] == "$withinTransaction"
            and tokens[k + 1] == "="
            and tokens[k + 2].lower() == "false"
        ):
            return True
    return False


def mask_php(src: str) -> str:
    """`src` with comments blanked and string contents replaced by `_`, every offset unchanged.

    The structure (calls, braces, quotes) is read from the mask, and a literal's value from `src`
    at the same offsets: a `{` or `->update(` inside a string or a comment is never code."""
    out = list(src)
    i, n = 0, len(src)
    while i < n:
        c, nxt = src[i], src[i + 1 : i + 2]
        if (c == "/" and nxt == "/") or (c == "#" and nxt != "[") or (c == "/" and nxt == "*"):
            if c == "/" and nxt == "*":
                end = src.find("*/", i + 2)
                end = n if end < 0 else end + 2
            else:
                end = src.find("\n", i)
                end = n if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
        elif c in "'\"`":
            end = _string_end(src, i, c)
            out[i + 1 : end - 1] = "_" * max(0, end - 1 - (i + 1))
            i = end
        elif src.startswith("<<<", i):
            end = _heredoc_end(src, i)
            out[i:end] = "_" * (end - i)
            i = end
        else:
            i += 1
    return "".join(out)


def close_at(mask: str, open_at: int, pair: str = "()") -> int:
    """The offset of the bracket closing the one at `open_at` in a mask; the end when none."""
    depth = 0
    for i in range(open_at, len(mask)):
        if mask[i] == pair[0]:
            depth += 1
        elif mask[i] == pair[1]:
            depth -= 1
            if depth == 0:
                return i
    return len(mask)


def first_arg_end(mask: str, at: int) -> int:
    """The end of the call's first argument starting at `at` (a top-level `,` or the `)`)."""
    depth = 0
    for i in range(at, len(mask)):
        c = mask[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                return i
            depth -= 1
        elif c == "," and depth == 0:
            return i
    return len(mask)
