"""Driver checks at the top of a migration's `up()`: `if (DB::getDriverName() !== 'pgsql') return;`.

A migration written for one engine often returns at once on the others. Pretend then prints
nothing there, but the loops and writes further down are still in the source, and judging them
would block a migration that does nothing on this engine. This reads such a check, when it is
the first statement of up() (after plain assignments, as `$type = config('database.default');`),
into the drivers the rest of up() runs on. Only a test of the connection's driver or name against
one literal, with a body that is only `return;`, is read; anything else says nothing (all run).
"""

from __future__ import annotations

import re

_DRIVER = (
    r"(?:config\s*\(\s*'database\.default'\s*\)|"
    r"(?:\bDB\s*::\s*(?:connection\s*\([^()]*\)\s*->\s*)?|\bSchema\s*::\s*getConnection\s*\(\s*\)"
    r"\s*->\s*)getDriverName\s*\(\s*\))"
)
_ASSIGN = re.compile(rf"\s*(\$\w+)\s*=\s*{_DRIVER}\s*;")
_CHECK = re.compile(
    r"\s*if\s*\(\s*(?P<what>\$\w+|" + _DRIVER + r")\s*(?P<op>!==|!=|===|==)\s*"
    r"'(?P<name>mysql|mariadb|pgsql|sqlite)'\s*\)\s*(?:\{\s*return\s*;\s*\}|return\s*;)"
)
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
