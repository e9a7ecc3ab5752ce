"""Schema calls in a `foreach` over a literal list of table names, read from the source.

`foreach (['users', 'posts'] as $t) { Schema::table($t, …); }`, or the same over a variable or a
class property holding such a list (`$tables = [...]` in up(), `protected array $tables = [...]`
read as `$this->tables`): each Schema call on `$t` stands for one call per name. A first
statement `if (!Schema::hasColumn($t, 'c')) continue;` (or hasTable) is the condition each runs
under, per name, as phpguards writes it ("column:users.c"). Pretend answers those checks "no", so
it prints none of such a loop's calls; the gate judges them on the live schema
(blueprint_ops.unprinted_ops). Any other list (computed, keyed, not literal) is not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .phpsource import close_at

_FOREACH = re.compile(r"\bforeach\s*\(\s*(\[|\$this\s*->\s*(\w+)|\$\w+)")
_AS = re.compile(r"\s*as\s+(\$\w+)\s*\)\s*\{")
_LIST = re.compile(r"\[(?:\s*(['\"])_*\1\s*,?)*\s*\]")
_CONTINUE = re.compile(
    r"\s*if\s*\(\s*(!\s*)?(?:\\?\w+\s*::\s*)(hasTable|hasColumn)\s*\(\s*(\$\w+)\s*"
    r"(?:,\s*(['\"])(_*)\4\s*)?\)\s*\)\s*(?:\{\s*continue\s*;\s*\}|continue\s*;)"
)


@dataclass(frozen=True)
class TableLoop:
    start: int  # the loop body's span
    end: int
    var: str  # the loop variable holding a table name
    names: tuple[str, ...]
    cond: str  # the condition each call runs under, "{}" for the table ("" when none)

    def guard(self, table: str) -> str:
        return self.cond.replace("{}", table)


def table_loops(src: str, mask: str, start: int, end: int) -> list[TableLoop]:
    """Every foreach of up() (offsets start to end) over a literal list of names."""
    out = []
    for m in _FOREACH.finditer(mask, start, end):
        at = _list_at(mask, m, start)
        lst = _LIST.match(mask, at) if at is not None else None
        as_ = _AS.match(mask, m.end() if m.group(1) != "[" else lst.end()) if lst else None
        if lst is None or as_ is None:
            continue
        names = tuple(
            src[at + n.start(2) : at + n.end(2)].lower()
            for n in re.finditer(r"(['\"])(_*)\1", mask[at : lst.end()])
        )
        body_at = as_.end() - 1
        body_end = close_at(mask, body_at, "{}")
        out.append(TableLoop(body_at, body_end, as_.group(1), names, _cond(src, mask, body_at + 1)))
    return out


def _list_at(mask: str, m: re.Match, start: int) -> int | None:
    """Where the literal list the foreach walks starts: in place, or the last assignment of its
    variable in up() before it, or its class property's initialiser."""
    if m.group(1) == "[":
        return m.start(1)
    if m.group(2):
        rx = rf"\b(?:public|protected|private)\s+(?:static\s+)?(?:\??\w+\s+)?\${m.group(2)}\s*=\s*"
        ends = [f.end() for f in re.finditer(rx, mask)]
    else:
        rx = rf"\{m.group(1)}\s*=(?![=>])\s*"
        ends = [start + f.end() for f in re.finditer(rx, mask[start : m.start()])]
    return ends[-1] if ends else None


def _cond(src: str, mask: str, at: int) -> str:
    m = _CONTINUE.match(mask, at)
    if m is None:
        return ""
    if m.group(2) == "hasColumn" and not m.group(4):
        return ""
    what = f"column:{{}}.{src[m.start(5) : m.end(5)].lower()}" if m.group(4) else "table:{}"
    return what if m.group(1) else f"!{what}"  # `continue` unless it has it: runs where it has


def loop_of(loops: list[TableLoop], var: str, at: int) -> TableLoop | None:
    """The innermost such loop holding offset `at` whose variable is `var`."""
    inside = [lp for lp in loops if lp.var == var and lp.start <= at < lp.end]
    return max(inside, key=lambda lp: lp.start) if inside else None
