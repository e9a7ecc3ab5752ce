"""Driver checks at the top of a migration's `up()`: `if (DB::getDriverName() !== 'pgsql') return;`.

A migration written for one engine often returns at once on the others. Pretend then prints
nothing there, but the loops and writes further down are still in the source, and judging them
would block a migration that does nothing on this engine. This reads such a check, when it is
the first statement of up() (after plain assignments, as `$type = config('database.default');`),
into the drivers the rest of up() runs on. Only a test of the connection's driver or name against
one literal, with a body that is only `return;`, is read; anything else says nothing (all run).

The same test as the condition of a block anywhere in up() (`if (DB::getDriverName() !== 'sqlite')
{ drop columns }`, and its `else`) says which engines run that block (`driver_blocks`): the
schema calls and writes inside it are not judged on the others. Pretend itself asks the real
connection's driver, so what it printed is already right; the source's calls are what would be
judged wrongly (a guarded block pretend never printed, a loop's writes).
"""

from __future__ import annotations

import re

from .phpsource import close_at

_DRIVER = (
    r"(?:config\s*\(\s*'database\.default'\s*\)|"
    r"(?:\bDB\s*::\s*(?:connection\s*\([^()]*\)\s*->\s*)?|\bSchema\s*::\s*getConnection\s*\(\s*\)"
    r"\s*->\s*)getDriverName\s*\(\s*\))"
)
_ASSIGN = re.compile(rf"\s*(\$\w+)\s*=\s*{_DRIVER}\s*;")
_NAMED = re.compile(rf"(\$\w+)\s*=\s*{_DRIVER}\s*;")  # anywhere (a scan: no leading spaces)
_CHECK = re.compile(
    r"\s*if\s*\(\s*(?P<what>\$\w+|" + _DRIVER + r")\s*(?P<op>!==|!=|===|==)\s*"
    r"'(?P<name>mysql|mariadb|pgsql|sqlite)'\s*\)\s*(?:\{\s*return\s*;\s*\}|return\s*;)"
)
_TEST = re.compile(
    r"\bif\s*\(\s*(?P<what>\$\w+|" + _DRIVER + r")\s*(?P<op>!==|!=|===|==)\s*"
    r"'(?P<name>mysql|mariadb|pgsql|sqlite)'\s*\)\s*\{"
)
_ELSE = re.compile(r"\s*else\s*\{")
_DIALECT = {"mysql": "mysql", "mariadb": "mysql", "pgsql": "pgsql", "sqlite": "sqlite"}
DIALECTS = ("mysql", "pgsql", "sqlite")


def read_drivers(src: str, start: int, end: int) -> tuple[str, ...]:
    """The dialects the body of up() (`src[start:end]`, from its `{`) runs past its first
    statement on; () when it does not return early on a driver."""
    i, names = start + 1, set()
    while m := _ASSIGN.match(src, i, end):  # `$type = config('database.default');`
        names.add(m.group(1))
        i = m.end()
    m = _CHECK.match(src, i, end)
    if m is None or (m.group("what").startswith("$") and m.group("what") not in names):
        return ()
    named = _DIALECT[m.group("name")]
    if m.group("op") in ("!==", "!="):
        return (named,)  # returns unless it is this driver
    return tuple(d for d in DIALECTS if d != named)


def driver_blocks(bare: str, mask: str, start: int, end: int) -> list[tuple[int, int, tuple]]:
    """(block start, block end, the dialects it runs on) for every `if` of up() testing the
    driver against one literal, and for its `else`; `bare` is the source with comments blanked
    (the literal kept), `mask` phpsource.mask_php's (for the braces)."""
    body = bare[start:end]
    if "getDriverName" not in body and "database.default" not in body:
        return []  # no driver test: the common case, without a regex scan
    names = {m.group(1) for m in _NAMED.finditer(bare, start, end)}
    out = []
    for m in _TEST.finditer(bare, start, end):
        if m.group("what").startswith("$") and m.group("what") not in names:
            continue
        named = _DIALECT[m.group("name")]
        runs = tuple(d for d in DIALECTS if (d == named) == (m.group("op") in ("===", "==")))
        body_end = close_at(mask, m.end() - 1, "{}")
        out.append((m.end() - 1, body_end, runs))
        other = _ELSE.match(mask, body_end + 1)
        if other is not None:
            rest = tuple(d for d in DIALECTS if d not in runs)
            out.append((other.end() - 1, close_at(mask, other.end() - 1, "{}"), rest))
    return out


def runs_on(blocks, at: int) -> tuple[str, ...]:
    """The dialects the code at offset `at` runs on, by the driver blocks holding it: () for all
    (no such block), ("none",) for blocks nested so that no engine runs it."""
    inside = [set(d) for a, b, d in blocks if a <= at < b]
    if not inside:
        return ()
    return tuple(d for d in DIALECTS if all(d in x for x in inside)) or ("none",)


def runs_here(item, dialect: str) -> bool:
    """A write or schema call (its `drivers`) runs on `dialect`; any, when no dialect is given."""
    return not dialect or not item.drivers or dialect in item.drivers
