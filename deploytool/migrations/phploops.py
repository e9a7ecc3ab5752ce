"""Loops over query results in a migration's `up()`, and the call chains they read, from its source.

Pretend answers every SELECT with no rows, so a loop over a query's result runs zero times there
and its writes never show. phpwrites needs, for each write, the loop it runs in: what the loop
reads (the table, from `DB::table('t')` or a model's default table), its row variable, and
whether it reads in batches by key. A loop is spelled many ways: a callback on a query
(`->get()->each(fn)`, `->chunk(100, fn)`, `Model::chunk(100, fn)`), or `foreach` over one
(`foreach (Model::lazyById(50) as $row)`, over a variable a query was assigned to, or over the
batch a chunk callback receives). Read from `phpsource.mask_php` (comments and strings never
match), literals from the source at the same offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .phpsource import close_at as _close

# A chain that yields query results (the head of a loop), instance or static.
_PRODUCER = re.compile(
    r"(?:->\s*(?:get|all|cursor|pluck|lazy|lazyById)\s*\(|"
    r"::\s*(?:all|get|cursor|lazy|lazyById)\s*\(|"
    r"\bDB\s*::\s*select\s*\(|\bDB\s*::\s*table\s*\(|\b[A-Z]\w*\s*::\s*(?:query|where\w*|"
    r"withTrashed|on)\s*\()"
)
# `Model::chunk(…)` is a static call on the query: the class alone is its producer.
_CALLBACK = re.compile(
    r"(->|::)\s*(each|map|transform|chunk|chunkById|lazyById|eachById|filter)\s*\(", re.I
)
_BATCHED = {"chunk", "chunkbyid", "lazybyid", "eachbyid"}
# What yields a collection (each() then walks it in memory); each() on anything else is the query
# builder's (Laravel 8 BuildsQueries::each: chunk(1000), pages like chunk()).
_COLLECTED = {"get", "all", "pluck", "cursor", "lazy", "lazybyid", "collect", "map", "filter",
              "values", "keys", "unique", "sortby", "groupby", "flatten", "toarray"}  # fmt: skip
# foreach over these reads in batches (lazy() pages like chunk(), lazyById() by key)
_BATCHED_HEAD = re.compile(r"(?:->|::)\s*(?:lazy|lazyById|chunkById)\s*\(")
_FOREACH = re.compile(r"\bforeach\s*\(")
_MODEL = re.compile(r"(?:^|[^\w\\])\\?(?:[A-Z]\w*\\)*([A-Z]\w*)\s*::\s*\w+\s*\(")
_CLASS = re.compile(r"\s*\\?(?:[A-Z]\w*\\)*[A-Z]\w*\s*$")


@dataclass(frozen=True)
class Loop:
    start: int  # the body's span in the source
    end: int
    var: str  # the row (or batch) variable
    head: str  # the masked chain the loop reads from
    head_at: int  # where that chain starts
    table: str  # the table that chain reads, when it names one
    batched: bool


def table_of_model(name: str) -> str:
    """Eloquent's default table of a model class: snake case, last word plural."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    if snake.endswith(("ss", "us", "x", "ch", "sh")):
        return snake + "es"  # Status -> statuses, Address -> addresses
    if snake.endswith("s"):
        return snake  # already plural
    if snake.endswith("y") and snake[-2:-1] not in "aeiou":
        return snake[:-1] + "ies"
    return snake + "s"


def model_table(chain: str) -> str:
    m = _MODEL.search(chain)
    return table_of_model(m.group(1)) if m and m.group(1) not in ("DB", "Schema") else ""


def literal_at(src: str, mask: str, at: int) -> str | None:
    """The string literal starting at `at` (skipping spaces), or None."""
    m = re.match(r"\s*(['\"])", mask[at:])
    if not m:
        return None
    q = at + m.start(1)
    end = mask.find(m.group(1), q + 1)
    return src[q + 1 : end] if end > q else None


def literal_arg(src, mask, chain: str, chain_at: int, call: str) -> str:
    m = re.search(call, chain)
    return (literal_at(src, mask, chain_at + m.end()) or "") if m else ""


def chain_table(src: str, mask: str, chain: str, chain_at: int) -> str:
    """The table a call chain names: `DB::table('t')`, else its model's default table."""
    return literal_arg(src, mask, chain, chain_at, r"\btable\s*\(") or model_table(chain)


def statement_start(mask: str, at: int, floor: int) -> int:
    """Where the call chain ending at `at` begins: after the `;`, `{` or `}` before it, or after
    the `(` it is the first argument of."""
    depth = 0
    for i in range(at - 1, floor - 1, -1):
        c = mask[i]
        if c in ")]":
            depth += 1
        elif c in "([":
            if depth == 0:
                return i + 1
            depth -= 1
        elif c in ";{}" and depth == 0:
            return i + 1
        elif c == "=" and depth == 0 and mask[i + 1 : i + 2] != ">" and mask[i - 1] not in "=!<>":
            return i + 1
    return floor


def loops(src: str, mask: str, start: int, end: int) -> list[Loop]:
    """Every loop over query results between offsets start and end."""
    queried = _query_vars(mask, start, end)
    found = []
    for m in _CALLBACK.finditer(mask, start, end):
        chain_at = statement_start(mask, m.start(), start)
        head = mask[chain_at : m.start()]
        static = m.group(1) == "::" and _CLASS.fullmatch(head)
        if not (static or _PRODUCER.search(head) or _var_head(head) in queried):
            continue
        close = _close(mask, m.end() - 1)
        fn = re.search(r"\b(?:function|fn)\s*\(\s*(?:[\w\\?]+\s+)?(\$\w+)?", mask[m.end() : close])
        if fn is None:
            continue
        body_at = mask.find("{", m.end() + fn.end(), close)
        body_at = m.end() + fn.end() if body_at < 0 else body_at
        table = (
            chain_table(src, mask, mask[chain_at : m.end()], chain_at)
            if static
            else _head_table(src, mask, head, chain_at, queried)
        )
        verb = m.group(2).lower()
        batched = verb in _BATCHED or verb == "each" and _builder(head, static)
        found.append(Loop(body_at, close, fn.group(1) or "", head, chain_at, table, batched))
    for m in _FOREACH.finditer(mask, start, end):
        close = _close(mask, m.end() - 1)
        inner = mask[m.end() : close]
        asm = re.search(r"\bas\s+(?:\$\w+\s*=>\s*)?(\$\w+)", inner)
        if asm is None:
            continue
        head = inner[: asm.start()]
        body_at = mask.find("{", close)
        body_end = _close(mask, body_at, "{}") if body_at >= 0 else close
        # foreach over the batch a chunk callback receives: that loop's rows, one at a time
        var = _var_head(head)
        batch = [lp for lp in found if lp.var and lp.var == var and lp.start <= m.start() < lp.end]
        if batch:
            outer = batch[-1]
            found.append(
                Loop(body_at, body_end, asm.group(1), head, m.end(), outer.table, outer.batched)
            )
            continue
        if not (_PRODUCER.search(head) or _var_head(head) in queried):
            continue
        table = _head_table(src, mask, head, m.end(), queried)
        batched = bool(_BATCHED_HEAD.search(head))
        found.append(Loop(body_at, body_end, asm.group(1), head, m.end(), table, batched))
    return found


def _builder(head: str, static: bool) -> bool:
    """The chain before `->each(` is a query, not a collection: a class (`Model::each`), or a
    chain whose last call (outside any argument) yields no collection. A variable: unknown, no."""
    if static:
        return True
    last, depth = "", 0
    for i, c in enumerate(head):
        depth += (c == "(") - (c == ")")
        if depth == 0 and c in ">:" and (m := re.match(r"(?:>|:)\s*(\w+)\s*\(", head[i:])):
            last = m.group(1).lower()
    return bool(last) and last not in _COLLECTED


def _query_vars(mask: str, start: int, end: int) -> dict[str, tuple[str, int]]:
    """Variables assigned a query's result (`$rows = DB::table('t')->get();`), each with that
    chain and its offset (the last assignment wins)."""
    out = {}
    for m in re.finditer(r"(\$\w+)\s*=(?![=>])([^;]*);", mask[start:end]):
        if _PRODUCER.search(m.group(2)):
            out[m.group(1)] = (m.group(2), start + m.start(2))
    return out


def _head_table(src: str, mask: str, head: str, at: int, queried: dict) -> str:
    """The table a loop's head reads: its chain's, or that of the query its variable holds."""
    var = _var_head(head)
    if var in queried:
        return chain_table(src, mask, *queried[var])
    return chain_table(src, mask, head, at)


def _var_head(head: str) -> str:
    m = re.match(r"\s*(\$\w+)\s*$", head)
    return m.group(1) if m else ""


def innermost(found: list[Loop], at: int) -> Loop | None:
    inside = [lp for lp in found if lp.start <= at < lp.end]
    return max(inside, key=lambda lp: lp.start) if inside else None


def outermost(found: list[Loop], at: int) -> Loop | None:
    inside = [lp for lp in found if lp.start <= at < lp.end]
    return min(inside, key=lambda lp: lp.start) if inside else None


def found_model(src: str, mask: str, var: str, start: int, at: int) -> str:
    """The table of the model `var` was last fetched as before `at` (`$x = Model::find(…)`,
    `Model::where(…)->first()`), or ""."""
    rx = rf"\{var}\s*=(?![=>])\s*([^;]*?(?:find\w*|first\w*)\s*\()"
    hits = list(re.finditer(rx, mask[start:at]))
    if not hits:
        return ""
    m = hits[-1]
    return chain_table(src, mask, m.group(1), start + m.start(1))


def inert(mask: str, found: list[Loop]) -> bool:
    """Every loop's body calls no method on anything (`StatusDelete::dispatch($row)` only): the
    loops read, and write nothing the migration makes (the caller checks the writes)."""
    return bool(found) and not any(
        re.search(r"->\s*\w+\s*\(", mask[lp.start : lp.end]) for lp in found
    )


_INSERT = re.compile(r"->\s*(?:create|createMany|forceCreate|insert|insertOrIgnore|saveMany)\s*\(")
_OTHER_WRITE = re.compile(
    r"->\s*(?:update\w*|delete|forceDelete|truncate|increment|decrement|save|upsert|push|"
    r"attach|detach|sync\w*|touch|firstOrCreate|updateOrCreate)\s*\(|::\s*(?:statement|"
    r"unprepared|update|delete|insert)\s*\("
)
_RELATION = re.compile(r"->\s*(\w+)\s*\(\s*\)\s*$")


def inserted_tables(src: str, mask: str, found: list[Loop]) -> tuple[str, ...]:
    """The tables the loops' bodies insert into, when inserting is all they write
    (vito's `$site->commands()->createMany(…)`, `DB::table('t')->insert(…)`): `()` when a body
    writes any other way, inserts nowhere, or into rows the source does not name."""
    tables: list[str] = []
    for lp in found:
        if _OTHER_WRITE.search(mask, lp.start, lp.end):
            return ()
        for m in _INSERT.finditer(mask, lp.start, lp.end):
            at = statement_start(mask, m.start(), lp.start)
            chain = mask[at : m.start()]
            rel = _RELATION.search(chain)  # a relation: its table, by Eloquent's convention
            table = (
                re.sub(r"(?<!^)(?=[A-Z])", "_", rel.group(1)).lower()
                if rel
                else chain_table(src, mask, chain, at)
            )
            if not table:
                return ()
            tables.append(table)
    return tuple(dict.fromkeys(tables))
