"""Schema conditionals in a migration's `up()`: `if (!Schema::hasColumn('t', 'c')) { … }`.

Pretend answers Schema::hasTable/hasColumn from a pretended query, that is with "no": a block
under `!hasColumn` always shows in the pretend output, one under `hasColumn` never does. Which
branch production takes depends on its schema, which the gate has (live or a dump). This module
reads each `if` whose condition is only such checks on literal names, joined by `&&`, into a
`Guard`: the condition as text the gate can evaluate (`guard_holds`), and what the block touches
(tables named by Schema calls, columns named by Blueprint calls), so the statements pretend
printed for a block that will not run can be set aside. An `if` at up()'s top level that only
returns guards the rest of up() with its condition negated (one check only): pretend, answering
"no", returns early from `if (!Schema::hasColumn(…)) return;` where production goes on. The
`else` of a one-check `if` is a block under that check negated. Any other
condition is not read: the gate keeps judging what pretend printed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .phpsource import close_at as _close
from .phpsource import first_arg_end

_IF = re.compile(r"\bif\s*\(")
_ATOM = re.compile(
    r"(!\s*)?(?:\\?\w+\s*::\s*(?:connection\s*\([^()]*\)\s*->\s*)?|\$\w+\s*->\s*)"
    r"(hasTable|hasColumn)\s*\("
)
_SCHEMA_CALL = re.compile(r"\bSchema\s*::\s*(?:table|create|drop|dropIfExists)\s*\(")
_BLUEPRINT = re.compile(r"\$\w+\s*->\s*\w+\s*\(")
_CALLBACK = re.compile(r"\b(?:function|fn)\b")  # `$rows->map(function …)` is no Blueprint call


@dataclass(frozen=True)
class Guard:
    cond: str  # atoms joined by "&": "table:t", "column:t.c", "!" before one that is negated
    tables: tuple[str, ...]  # tables the block names (Schema calls, and the condition's)
    columns: tuple[str, ...]  # columns its Blueprint calls name (and the condition's)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Guard:
        return cls(d["cond"], tuple(d["tables"]), tuple(d["columns"]))


def guard_holds(cond: str, schema) -> bool | None:
    """Whether production runs the block, on `schema` (a LiveSchema); None when it cannot say."""
    if schema is None:
        return None
    for atom in cond.split("&"):
        negated, what = atom.startswith("!"), atom.lstrip("!")
        kind, _, name = what.partition(":")
        if kind == "table":
            has = schema.has_table(name)
        else:
            table, _, column = name.partition(".")
            if not schema.has_table(table):
                return None  # not read: say nothing rather than guess
            has = schema.column(table, column) is not None
        if has == negated:
            return False
    return True


def read_guards(src: str, mask: str, start: int, end: int) -> list[tuple[int, int, Guard]]:
    """(block start, block end, Guard) for every `if` of up() whose condition is readable, and
    for the `else` of one whose condition is a single check (it runs under that check negated;
    the negation of `a && b` is `!a || !b`, which a Guard cannot say)."""
    out = []
    for m in _IF.finditer(mask, start, end):
        close = _close(mask, m.end() - 1, "()")
        cond = _cond(src, mask, m.end(), close)
        rest = mask[close + 1 : end].lstrip()
        if cond is None:
            continue
        early = _early_return(mask, start, m.start(), close, end)
        if early is not None:
            if "&" in cond:
                continue  # `if (a && b) return;`: the rest runs under `!a || !b`, not read
            # The rest of up() runs where the condition does not hold: a guard of its own.
            blocks, span = [(_negated(cond), early, end)], (early, end)
        elif not rest.startswith("{"):
            continue
        else:
            body_at = mask.index("{", close)
            blocks = [(cond, body_at, _close(mask, body_at, "{}"))]
            other = _else_block(mask, blocks[0][2], end)
            # The branches exclude each other: what the else changes is not what the condition
            # met (`if (hasColumn(t, id)) { ->change() } else { ->increments('id') }`).
            span = (body_at, other[1] if other else blocks[0][2])
            if other is not None and "&" not in cond:
                blocks.append((_negated(cond), *other))
        for cond_, at, until in blocks:
            guard = _guard(src, mask, cond_, at, until)
            if not _changed_outside(src, mask, cond_, start, end, span):
                out.append((at, until, guard))
    return out


def _negated(cond: str) -> str:
    return cond[1:] if cond.startswith("!") else "!" + cond


_ELSE = re.compile(r"\s*else\s*\{")


def _else_block(mask: str, then_end: int, end: int) -> tuple[int, int] | None:
    """The `else { … }` right after an if's block that closes at `then_end` (not `else if`)."""
    m = _ELSE.match(mask, then_end + 1, end)
    if m is None:
        return None
    return m.end() - 1, _close(mask, m.end() - 1, "{}")


def _guard(src: str, mask: str, cond: str, body_at: int, body_end: int) -> Guard:
    tables = [a.lstrip("!").partition(":")[2].partition(".")[0] for a in cond.split("&")]
    columns = [a.partition(".")[2] for a in cond.split("&") if "." in a]
    for call in (_SCHEMA_CALL, _BLUEPRINT):
        for c in call.finditer(mask, body_at, body_end):
            args_end = _close(mask, c.end() - 1, "()")
            if call is _BLUEPRINT and _CALLBACK.search(mask, c.end(), args_end):
                continue
            names = _literals(src, mask, c.end(), args_end)
            if call is _SCHEMA_CALL:
                tables += names[:1]
            else:
                columns += names
    return Guard(
        cond,
        tuple(dict.fromkeys(t.lower() for t in tables if t)),
        tuple(dict.fromkeys(c.lower() for c in columns if c)),
    )


# `{ return; }` or a bare `return;` (never a `}` that closes something else)
_RETURN = re.compile(r"\{\s*return\s*;\s*\}|return\s*;")


def _early_return(mask: str, start: int, at: int, close: int, end: int) -> int | None:
    """Where the rest of up() starts when the `if` at `at` (its condition closing at `close`) only
    returns (`if (!Schema::hasColumn('t', 'c')) { return; }`) at up()'s top level, else None.
    Pretend answers the check with "no", so it takes the branch production may not."""
    if mask.count("{", start, at) - mask.count("}", start, at) != 1:
        return None  # inside a closure or another block: not the rest of up()
    m = _RETURN.match(mask, _skip(mask, close + 1))
    return None if m is None else m.end()


_CHANGES_TABLE = re.compile(r"\bSchema\s*::\s*(?:create|drop\w*|rename)\s*\(")


def _changed_outside(src, mask, cond: str, start: int, end: int, block: tuple[int, int]) -> bool:
    """Something outside the block creates, drops or renames a table the condition asks about,
    or names its column (`Schema::dropIfExists('jobs'); if (!Schema::hasTable('jobs'))`): the
    schema the condition meets is then not the one before the migration, and it is not read."""
    names = {a.lstrip("!").partition(":")[2] for a in cond.split("&")}
    tables = {n.partition(".")[0] for n in names}
    columns = {n.partition(".")[2] for n in names if "." in n}
    for call, wanted in ((_CHANGES_TABLE, tables), (_BLUEPRINT, columns)):
        for c in call.finditer(mask, start, end):
            if block[0] <= c.start() < block[1]:
                continue
            args_end = _close(mask, c.end() - 1, "()")
            if call is _BLUEPRINT and _CALLBACK.search(mask, c.end(), args_end):
                continue
            if call is _CHANGES_TABLE and "rename" not in c.group(0):
                # the table is the first argument: `->on('invoices')` inside a create's closure
                # names a table the create references, not one it changes
                args_end = first_arg_end(mask, c.end())
            if {n.lower() for n in _literals(src, mask, c.end(), args_end)} & wanted:
                return True
    return False


def _cond(src: str, mask: str, at: int, close: int) -> str | None:
    atoms, i = [], at
    while True:
        m = _ATOM.match(mask, _skip(mask, i))
        if m is None:
            return None
        args_end = _close(mask, m.end() - 1, "()")
        names = _literals(src, mask, m.end(), args_end)
        arity = 1 if m.group(2) == "hasTable" else 2
        if len(names) != arity or mask[m.end() : args_end].count(",") != arity - 1:
            return None  # a name that is not one literal: not read
        what = f"table:{names[0]}" if arity == 1 else f"column:{names[0]}.{names[1]}"
        atoms.append(("!" if m.group(1) else "") + what.lower())
        i = _skip(mask, args_end + 1)
        if i >= close:
            return "&".join(atoms)
        if mask.startswith("&&", i):
            i += 2
            continue
        return None


def _skip(mask: str, i: int) -> int:
    while i < len(mask) and mask[i].isspace():
        i += 1
    return i


def _literals(src: str, mask: str, start: int, end: int) -> list[str]:
    out = []
    for m in re.finditer(r"(['\"])(_*)\1", mask[start:end]):
        out.append(src[start + m.start(2) : start + m.end(2)])
    return out
