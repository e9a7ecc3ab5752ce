"""The schema calls of a migration's `up()`, read from its PHP source: what pretend may not print.

Pretend prints a `Schema::table` block's SQL only when it reaches it: a migration that stops at a
PHP error first (a query result pretend answers with nothing) prints none of it, and a block
under `if (Schema::hasColumn(…))` never runs under pretend (it answers "no"). The gate then judges
the Blueprint calls themselves: each `Schema::table/create/drop/dropIfExists/rename` call and,
inside a table's callback, each `$table->verb(args)->modifier(args)…;` chain, with the schema
conditional it runs under. A `$table->` call the reader does not follow (an argument that is not
literal, a chain it cannot walk) is named in `unread`, so the gate blocks with that reason
rather than guess. Read from `phpsource.mask_php`, literals from the source at the same offsets.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from .phpdrivers import runs_on
from .phpsource import close_at as _close
from .phpsource import first_arg_end as _first_end
from .phptableloops import loop_of, table_loops

_SCHEMA = re.compile(
    r"\bSchema\s*::\s*(?:connection\s*\([^()]*\)\s*->\s*)?(table|create|drop|dropIfExists|rename)"
    r"\s*\("
)
_CALL = re.compile(r"\s*->\s*(\w+)\s*\(")
_LITERAL = re.compile(r"(['\"])(_*)\1")
_NUMBER = re.compile(r"(?<![\w.$])\d+(?![\w.])")


@dataclass(frozen=True)
class SchemaCall:
    kind: str  # table | create | drop | dropIfExists | rename (the Schema:: method)
    table: str
    verb: str = ""  # the Blueprint method, for kind "table" ("" for the Schema call itself)
    args: tuple[str, ...] = ()  # its literal arguments, arrays flattened; the new name for rename
    mods: tuple[tuple[str, str], ...] = ()  # (modifier, its first argument as written)
    guard: str = ""  # the schema conditional it runs under (phpguards.Guard.cond), if any
    drivers: tuple[str, ...] = ()  # the engines a driver test it sits under runs it on; () all
    # the Schema call is a statement of a `try` block with a `catch`: an exception before it (one
    # pretend meets, e.g. a model the query result answered with nothing) is swallowed there, and
    # pretend prints nothing of it although production runs it
    caught: bool = False
    # the numbers after the first argument (`string('locale', 7)`: length; `decimal('a', 10, 2)`)
    params: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SchemaCall:
        mods = tuple((m[0], m[1]) for m in d.get("mods", ()))
        return cls(d["kind"], d["table"], d.get("verb", ""), tuple(d.get("args", ())), mods,
                   d.get("guard", ""), tuple(d.get("drivers", ())),
                   bool(d.get("caught", False)), tuple(d.get("params", ())))  # fmt: skip


def read_schema_calls(src: str, mask: str, start: int, end: int, guards=(), blocks=()):
    """(calls, unread) for the body of up() between offsets start and end; `guards` are
    phpguards.read_guards' blocks, `blocks` phpdrivers.driver_blocks'. `unread` names the first
    `$table->` call not followed."""
    calls: list[SchemaCall] = []
    unread = ""
    tries = _tries(mask, start, end)
    loops = table_loops(src, mask, start, end)
    for m in _SCHEMA.finditer(mask, start, end):
        close = _close(mask, m.end() - 1)
        names = _literals(src, mask, m.end(), close)
        kind = m.group(1)
        drivers = runs_on(blocks, m.start())
        # every block open at the call is such a `try` (none an `if` or loop that may skip it)
        held = sum(a < m.start() < b for a, b in tries)
        caught = held > 0 and _depth(mask, start + 1, m.start()) == held
        var = re.match(r"\s*(\$\w+)\s*[,)]", mask[m.end() :])
        loop = loop_of(loops, var.group(1), m.start()) if var else None
        if loop is not None:  # `foreach ([...] as $t) Schema::table($t, …)`: one per name
            tables = [(t, loop.guard(t), True) for t in loop.names]
        elif not names or not _first_is_literal(mask, m.end()):
            unread = unread or f"Schema::{kind} on a table named at run time"
            continue
        else:
            tables = [(names[0].lower(), _guard(guards, m.start()), False)]
        for table, guard, looped in tables:
            if kind == "rename":
                new = tuple(n.lower() for n in names[1:2] if not looped)
                calls.append(
                    SchemaCall(kind, table, args=new, guard=guard, drivers=drivers, caught=caught)
                )
                continue
            calls.append(SchemaCall(kind, table, guard=guard, drivers=drivers, caught=caught))
            if kind != "table":
                continue  # a new table's columns are all new; a dropped one is gone
            fn = re.search(
                r"\bfunction\s*\(\s*(?:\w+\s+)?(\$\w+)\s*\)[^{]*\{", mask[m.end() : close]
            )
            if fn is None:
                unread = unread or f"Schema::table('{table}') without a Blueprint callback"
                continue
            body_at = m.end() + fn.end() - 1
            bvar = re.escape(fn.group(1))
            for c in re.finditer(rf"{bvar}\s*->", mask[body_at : _close(mask, body_at, "{}")]):
                at = body_at + c.start()
                inner = guard if looped else _guard(guards, at)
                call = _chain(src, mask, at + len(fn.group(1)), table, inner)
                # under an `if` of the callback (one not read as a guard) it may not run at all
                plain = caught and _depth(mask, body_at + 1, at) == 0
                call = call and replace(call, drivers=drivers, caught=plain)
                if call is None:
                    unread = unread or f"a Blueprint call on {table} the gate cannot read"
                else:
                    calls.append(call)
    return tuple(calls), unread


# What a PHP error under pretend throws is caught by these; pretend runs no query, so a
# `catch (QueryException …)` catches nothing there.
_BROAD = re.compile(r"\s*catch\s*\(\s*(?:[\w\\]+\s*\|\s*)*\\?(?:Exception|Throwable|Error)\b")


def _tries(mask: str, start: int, end: int) -> list[tuple[int, int]]:
    """The bodies (`{` to `}`) of the `try` blocks of up() whose `catch` takes any exception."""
    out = []
    for m in re.finditer(r"\btry\s*\{", mask[start:end]):
        at = start + m.end() - 1
        close = _close(mask, at, "{}")
        if _BROAD.match(mask, close + 1):
            out.append((at, close))
    return out


def _depth(mask: str, a: int, b: int) -> int:
    """How many braces opened in mask[a:b] stay open at b."""
    return mask.count("{", a, b) - mask.count("}", a, b)


def _chain(src: str, mask: str, at: int, table: str, guard: str) -> SchemaCall | None:
    """`->verb(args)->mod(arg)…;` from `at`, or None when it is not such a chain."""
    verb, args, mods, params = "", (), [], ()
    while (m := _CALL.match(mask, at)) is not None:
        close = _close(mask, m.end() - 1)
        if not verb:
            verb = m.group(1)
            # renames name both: every literal; else the first argument's (columns), not a name
            last = close if verb.startswith("rename") else _first_end(mask, m.end())
            args = tuple(_literals(src, mask, m.end(), last))
            params = tuple(_NUMBER.findall(mask, last, close))
            if mask[m.end() : close].strip() and not args and verb not in _NO_NAME:
                return None  # a column named by a variable
        else:
            mods.append((m.group(1), src[m.end() : close].strip()))
        at = close + 1
    if not verb or not mask[at:].lstrip().startswith(";"):
        return None
    return SchemaCall("table", table, verb, args, tuple(mods), guard, params=params)


# Blueprint methods whose arguments are not column names (or that take none).
_NO_NAME = {"timestamps", "nullableTimestamps", "softDeletes", "rememberToken", "id",
            "dropTimestamps", "dropSoftDeletes", "dropRememberToken", "engine", "charset",
            "collation", "comment", "temporary"}  # fmt: skip


def _first_is_literal(mask: str, at: int) -> bool:
    return mask[at:].lstrip()[:1] in ("'", '"')


def _guard(guards, at: int) -> str:
    inside = [(a, g) for a, b, g in guards if a <= at < b]
    return max(inside, key=lambda x: x[0])[1].cond if inside else ""


def _literals(src: str, mask: str, start: int, end: int) -> list[str]:
    return [src[start + m.start(2) : start + m.end(2)] for m in _LITERAL.finditer(mask[start:end])]
