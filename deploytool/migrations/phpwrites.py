"""The data writes a migration's `up()` makes, read from its PHP source: what pretend may not show.

Pretend answers every SELECT with no rows, so a loop over query results (`Model::all()->map`,
`->get()->each`, `foreach (… ->cursor() as $row)`, `->chunk`) runs zero times and a write behind
`if ($row = …->first())` never runs: their UPDATEs are missing from the pretend output. This
module finds each UPDATE/DELETE call (`DB::table('t')->…->update([...])`, `$model->save()`) with
what the rules need to judge it without seeing its SQL: the table, whether it runs inside a loop
over query results (and whether that loop reads in key batches), which columns its WHERE pins
(a model's save() pins the primary key), which columns it writes, and which of those the loop
only fills where they are empty. Read from `phpsource.mask_php` (comments and strings never
match), literals from the source at the same offsets; never by running the file.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from .phpsource import close_at as _close

_PRODUCER = re.compile(
    r"(?:->\s*(?:get|all|cursor|pluck|lazy|lazyById)\s*\(|::\s*(?:all|get|cursor)\s*\(|"
    r"\bDB\s*::\s*select\s*\(|\bDB\s*::\s*table\s*\(|\b[A-Z]\w*\s*::\s*(?:query|where\w*|"
    r"withTrashed|on)\s*\()"
)
_CALLBACK = re.compile(
    r"->\s*(each|map|transform|chunk|chunkById|lazyById|eachById|filter)\s*\(", re.I
)
_BATCHED = {"chunk", "chunkbyid", "lazybyid", "eachbyid"}
_FOREACH = re.compile(r"\bforeach\s*\(")
_WRITE = re.compile(r"->\s*(update|delete|increment|decrement|save|forceDelete)\s*\(")
_MODEL = re.compile(r"(?:^|[^\w\\])\\?(?:[A-Z]\w*\\)*([A-Z]\w*)\s*::\s*\w+\s*\(")
_TXN = re.compile(r"(?:\bDB\s*::|->)\s*(?:transaction|beginTransaction)\s*\(")


@dataclass(frozen=True)
class SourceWrite:
    table: str  # "" when the source does not say (a relation's rows, a variable)
    kind: str  # update | delete
    in_loop: bool  # inside a loop over query results
    batched: bool  # that loop reads in batches by key (chunkById, …)
    pinned: tuple[str, ...] = ()  # columns its WHERE fixes; ("id",) for a model's save()
    columns: tuple[str, ...] = ()  # columns it writes; ("*",) when the source does not say
    fills_empty: tuple[str, ...] = ()  # written columns the loop only fills where NULL/empty
    guard: str = ""  # the schema conditional it runs under (phpguards.Guard.cond), if any

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SourceWrite:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


@dataclass(frozen=True)
class _Loop:
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
    if snake.endswith(("s", "x", "ch", "sh")):
        return snake if snake.endswith("s") else snake + "es"
    if snake.endswith("y") and snake[-2:-1] not in "aeiou":
        return snake[:-1] + "ies"
    return snake + "s"


def explicit_transaction(mask: str) -> bool:
    """up() opens a transaction itself (DB::transaction, beginTransaction): on any engine."""
    return bool(_TXN.search(mask))


def read_writes(src: str, mask: str, start: int, end: int, guards=()) -> tuple[SourceWrite, ...]:
    """The writes between offsets start and end (the body of up()) of `src` / its mask; `guards`
    are phpguards.read_guards' blocks, the innermost one holding a write is its guard."""
    loops = _loops(src, mask, start, end)
    out = []
    for m in _WRITE.finditer(mask, start, end):
        chain_at = _statement_start(mask, m.start(), start)
        chain = mask[chain_at : m.start()]
        verb = m.group(1).lower()
        if verb == "save" and _is_new(mask, chain, start, m.start()):
            continue  # `$x = new Model; …; $x->save()` inserts
        loop = _innermost(loops, m.start())
        outer = _outermost(loops, m.start())
        w = _write(src, mask, m, chain_at, chain, verb, loop, outer, start)
        inside = [(a, g) for a, b, g in guards if a <= m.start() < b]
        out.append(replace(w, guard=max(inside, key=lambda x: x[0])[1].cond) if inside else w)
    return tuple(out)


def _write(src, mask, m, chain_at, chain, verb, loop, outer, start) -> SourceWrite:
    kind = "delete" if verb in ("delete", "forcedelete") else "update"
    var = re.match(r"\s*(\$\w+)\s*$", chain)
    if var:  # `$row->save()` / `$row->update([...])`: the model's own row, by primary key
        name = var.group(1)
        table = loop.table if loop is not None and name == loop.var else ""
        if verb == "save":
            body = mask[loop.start : m.start()] if loop is not None else mask[start : m.start()]
            cols = tuple(dict.fromkeys(re.findall(rf"\{name}\s*->\s*(\w+)\s*=[^=>]", body)))
        else:
            cols = _array_keys(src, mask, m.end())
        pinned: tuple[str, ...] = ("id",)
    else:
        table = _literal_arg(src, mask, chain, chain_at, r"\btable\s*\(") or _model_table(chain)
        pinned = _pinned(src, mask, chain, chain_at)
        if verb == "delete" and _has_arg(mask, m.end()):
            pinned = ("id",)  # delete($id)
        cols = _array_keys(src, mask, m.end()) if verb == "update" else ()
    cols = cols or ("*",)
    fills = tuple(c for c in cols if loop is not None and _fills(src, mask, loop, c))
    return SourceWrite(
        table.lower(),
        kind,
        loop is not None,
        outer is not None and outer.batched,
        pinned,
        cols,
        fills,
    )


def _loops(src: str, mask: str, start: int, end: int) -> list[_Loop]:
    queried = _query_vars(mask, start, end)
    loops = []
    for m in _CALLBACK.finditer(mask, start, end):
        chain_at = _statement_start(mask, m.start(), start)
        head = mask[chain_at : m.start()]
        if not (_PRODUCER.search(head) or _var_head(head) in queried):
            continue
        close = _close(mask, m.end() - 1)
        fn = re.search(r"\b(?:function|fn)\s*\(\s*(?:[\w\\?]+\s+)?(\$\w+)?", mask[m.end() : close])
        if fn is None:
            continue
        body_at = mask.find("{", m.end() + fn.end(), close)
        body_at = m.end() + fn.end() if body_at < 0 else body_at
        table = _literal_arg(src, mask, head, chain_at, r"\btable\s*\(") or _model_table(head)
        batched = m.group(1).lower() in _BATCHED
        loops.append(_Loop(body_at, close, fn.group(1) or "", head, chain_at, table, batched))
    for m in _FOREACH.finditer(mask, start, end):
        close = _close(mask, m.end() - 1)
        inner = mask[m.end() : close]
        asm = re.search(r"\bas\s+(?:\$\w+\s*=>\s*)?(\$\w+)", inner)
        head = inner[: asm.start()] if asm else inner
        if asm is None or not (_PRODUCER.search(head) or _var_head(head) in queried):
            continue
        body_at = mask.find("{", close)
        body_end = _close(mask, body_at, "{}") if body_at >= 0 else close
        table = _literal_arg(src, mask, head, m.end(), r"\btable\s*\(") or _model_table(head)
        loops.append(_Loop(body_at, body_end, asm.group(1), head, m.end(), table, False))
    return loops


def _query_vars(mask: str, start: int, end: int) -> set[str]:
    """Variables assigned a query's result (`$rows = DB::table('t')->get();`)."""
    out = set()
    for m in re.finditer(r"(\$\w+)\s*=(?![=>])([^;]*);", mask[start:end]):
        if _PRODUCER.search(m.group(2)):
            out.add(m.group(1))
    return out


def _var_head(head: str) -> str:
    m = re.match(r"\s*(\$\w+)\s*$", head)
    return m.group(1) if m else ""


def _innermost(loops: list[_Loop], at: int) -> _Loop | None:
    inside = [lp for lp in loops if lp.start <= at < lp.end]
    return max(inside, key=lambda lp: lp.start) if inside else None


def _outermost(loops: list[_Loop], at: int) -> _Loop | None:
    inside = [lp for lp in loops if lp.start <= at < lp.end]
    return min(inside, key=lambda lp: lp.start) if inside else None


def _statement_start(mask: str, at: int, floor: int) -> int:
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


def _literal_at(src: str, mask: str, at: int) -> str | None:
    """The string literal starting at `at` (skipping spaces), or None."""
    m = re.match(r"\s*(['\"])", mask[at:])
    if not m:
        return None
    q = at + m.start(1)
    end = mask.find(m.group(1), q + 1)
    return src[q + 1 : end] if end > q else None


def _literal_arg(src, mask, chain: str, chain_at: int, call: str) -> str:
    m = re.search(call, chain)
    return (_literal_at(src, mask, chain_at + m.end()) or "") if m else ""


def _model_table(chain: str) -> str:
    m = _MODEL.search(chain)
    return table_of_model(m.group(1)) if m and m.group(1) not in ("DB", "Schema") else ""


def _pinned(src, mask, chain: str, chain_at: int) -> tuple[str, ...]:
    if re.search(r"->\s*(?:orWhere\w*)\s*\(", chain):
        return ()
    out = []
    for m in re.finditer(r"->\s*(where|whereIn|whereKey|find)\s*\(", chain):
        if m.group(1) in ("whereKey", "find"):
            out.append("id")
            continue
        col = _literal_at(src, mask, chain_at + m.end())
        if col is None:
            continue
        args = mask[chain_at + m.end() : _close(mask, chain_at + m.end() - 1)]
        # where('c', $v) and where('c', '=', $v) pin c; where('c', '<>', …) does not
        op = _literal_at(src, mask, chain_at + m.end() + args.find(",") + 1) if "," in args else ""
        if m.group(1) == "whereIn" or args.count(",") == 1 or op == "=":
            out.append(col.rsplit(".", 1)[-1].lower())
    return tuple(out)


def _array_keys(src: str, mask: str, at: int) -> tuple[str, ...]:
    """The literal keys of the array literal that is the call's first argument."""
    close = _close(mask, at - 1)
    arg = mask[at:close]
    if not arg.lstrip().startswith("["):
        return ()
    keys, depth = [], 0
    for m in re.finditer(r"[\[\]()]|(['\"])_*\1\s*=>", arg):
        if m.group(0) in "[(":
            depth += 1
        elif m.group(0) in "])":
            depth -= 1
        elif depth == 1:
            key = _literal_at(src, mask, at + m.start())
            keys.append((key or "").rsplit(".", 1)[-1].lower())
    return tuple(k for k in keys if k)


def _has_arg(mask: str, at: int) -> bool:
    return bool(mask[at : _close(mask, at - 1)].strip())


def _is_new(mask: str, chain: str, start: int, at: int) -> bool:
    var = re.match(r"\s*(\$\w+)\s*$", chain)
    return bool(var) and bool(re.search(rf"\{var.group(1)}\s*=\s*new\b", mask[start:at]))


def _fills(src: str, mask: str, loop: _Loop, col: str) -> bool:
    """The loop only writes `col` where it is NULL: whereNull('col') on what it reads, or a guard
    on the row (`is_null($row->col)`, `$row->col === null`). `!$row->col` is not one: on a flag
    it rewrites what old code set."""
    if col == "*":
        return False
    whole = src[loop.head_at : loop.end]
    if re.search(rf"whereNull\s*\(\s*['\"](?:\w+\.)?{re.escape(col)}['\"]", whole):
        return True
    body = mask[loop.start : loop.end]
    v = re.escape(loop.var) if loop.var else r"\$\w+"
    c = re.escape(col)
    return bool(
        re.search(rf"is_null\s*\(\s*{v}\s*->\s*{c}\s*\)", body)
        or re.search(rf"{v}\s*->\s*{c}\s*===?\s*null\b", body)
    )
