"""The source as `up()` runs it: the migration's own helper methods inlined, and `config()` names
read as their defaults.

A migration often moves its data work into a method of its own class (twill's
`$this->seedNewFields()`, a `User::chunk` loop of saves; pinkary's recursive
`$this->updateRootId(…)`): read from `up()` alone, that work is invisible, so a loop inside
PostgreSQL's migration transaction passed and a keyed write outside one was taken for a blind
loop. `inline()` returns the source with each such call in `up()` replaced by the method's body
in braces, so every fact reader (phpfacts) sees it where it runs. Only methods defined in the
same file, called as `$this->name(…)`, `self::name(…)` or `static::name(…)`; a method already
being inlined is not inlined again inside itself (recursion), and nesting stops at DEPTH. The
arguments are not bound to the parameters: the readers look at what the body calls, not values.

Packages name their tables from config with the default beside it (twill's
`Schema::hasColumn(config('twill.related_table', 'twill_related'), 'id')`): a `config('key',
'default')` whose both arguments are literals is read as the literal default, the table a
fresh install has, so guards and Blueprint calls on it are read. Without a default it stays as
it is (a name only the app's config knows).
"""

from __future__ import annotations

import re

from .phpsource import close_at, mask_php

DEPTH = 3
_METHOD = re.compile(r"\bfunction\s+(\w+)\s*\(")
_CONFIG = re.compile(r"""\bconfig\s*\(\s*(['"])[\w.\-]*\1\s*,\s*((['"])[\w.\-]*\3)\s*\)""")
_CALL = re.compile(r"(?:\$this\s*->|\b(?:self|static)\s*::)\s*(\w+)\s*\(")


def _methods(src: str, mask: str) -> dict[str, str]:
    """name -> body (with its braces) of every method but up() and down()."""
    out = {}
    for m in _METHOD.finditer(mask):
        name = m.group(1)
        if name in ("up", "down"):
            continue
        params_end = close_at(mask, m.end() - 1)
        brace = mask.find("{", params_end)
        semicolon = mask.find(";", params_end)
        if brace < 0 or 0 <= semicolon < brace:
            continue  # abstract or an interface's: no body
        out[name] = src[brace : close_at(mask, brace, "{}") + 1]
    return out


def _expand(body: str, methods: dict[str, str], chain: tuple[str, ...]) -> str:
    if len(chain) > DEPTH:
        return body
    mask = mask_php(body)
    out, at = [], 0
    for m in _CALL.finditer(mask):
        name = m.group(1)
        if name not in methods or name in chain or m.start() < at:
            continue
        end = close_at(mask, m.end() - 1) + 1
        out.append(body[at : m.start()])
        out.append(_expand(methods[name], methods, (*chain, name)))
        at = end
    out.append(body[at:])
    return "".join(out)


def inline(src: str) -> str:
    """`src` with the helper calls of up() replaced by the helpers' bodies (unchanged when
    up() calls none), and each literal `config('key', 'default')` by its default."""
    src = _CONFIG.sub(lambda m: m.group(2), src)
    if not _CALL.search(src):
        return src
    mask = mask_php(src)
    up = re.search(r"\bfunction\s+up\s*\(", mask)
    if up is None:
        return src
    brace = mask.find("{", close_at(mask, up.end() - 1))
    if brace < 0:
        return src
    end = close_at(mask, brace, "{}") + 1
    methods = _methods(src, mask)
    if not methods:
        return src
    return src[:brace] + _expand(src[brace:end], methods, ("up",)) + src[end:]
