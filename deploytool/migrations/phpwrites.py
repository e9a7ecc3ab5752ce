"""The data writes a migration's `up()` makes, read from its PHP source: what pretend may not show.

Pretend answers every SELECT with no rows, so a loop over query results (`Model::all()->map`,
`->get()->each`, `foreach (… ->cursor() as $row)`, `->chunk`) runs zero times and a write behind
`if ($row = …->first())` never runs: their UPDATEs are missing from the pretend output. This
module finds each UPDATE/DELETE call (`DB::table('t')->…->update([...])`, `$model->save()`) with
what the rules need to judge it without seeing its SQL: the table, whether it runs inside a loop
over query results (phploops; and whether that loop reads in key batches), which columns its
WHERE pins (a model's save() pins the primary key), which columns it writes, which of those the
loop only fills where they are empty, and whether the values may come from the rows written
(read by the loop before). Read from `phpsource.mask_php`
(comments and strings never match), literals from the source at the same offsets; never by
running the file.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from .phpdrivers import runs_on
from .phploops import Loop, chain_table, found_model, innermost, literal_at, loops, outermost
from .phploops import statement_start as _statement_start
from .phpsource import close_at as _close

_WRITE = re.compile(r"->\s*(update|delete|increment|decrement|save|forceDelete)\s*\(")
# Laravel's encrypter: ciphertext is a base64 JSON payload, never the value it encrypts; a hash
# of a value (Hash::make($v), bcrypt($v), password_hash($v)) cannot be read back at all: code
# that used the plain value (solidtime's Passport 12 client secrets) fails on every converted
# row. A hash of a literal is a new password, not a conversion.
_HASH = (
    r"(?:\bHash\s*::\s*(?:driver\s*\([^()]*\)\s*->\s*)?make|(?<![\w>:$\\])(?:bcrypt|password_hash))"
)
_CONVERT = re.compile(
    r"\bCrypt\s*::\s*(?:en|de)crypt\w*\s*\(|(?<![\w>:$\\])(?:en|de)crypt\s*\("
    rf"|{_HASH}\s*\(\s*(?!['\"\s])"
)
_CONSTANT = re.compile(r"\s*(?:true|false|null|-?\d+(?:\.\d+)?|(['\"])_*\1)\s*", re.I)
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
    # the values written may come from the rows written, read by the loop before (a model's
    # save(), an update of the table the loop reads): a read-modify-write a concurrent change can
    # be lost to; False for a loop over one table writing rows of another it did not read, and
    # for a write of constants only
    from_row: bool = True
    drivers: tuple[str, ...] = ()  # the engines a driver test it sits under runs it on; () all
    # written columns whose new value is Crypt::encrypt…/decrypt… (encrypt()/decrypt()) or a
    # hash of a value: a format the code that wrote the old one does not read
    converts: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SourceWrite:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def explicit_transaction(mask: str, start: int, end: int, found=()) -> bool:
    """up() opens a transaction itself (DB::transaction, beginTransaction) around its writes, on
    any engine. One opened inside a loop over query results (`found`) wraps one iteration and
    commits before the next: it holds that row's locks, not the loop's."""
    return any(
        not any(lp.start <= m.start() < lp.end for lp in found)
        for m in _TXN.finditer(mask, start, end)
    )


def read_writes(
    src: str, mask: str, start: int, end: int, guards=(), found=None, blocks=()
) -> tuple[SourceWrite, ...]:
    """The writes between offsets start and end (the body of up()) of `src` / its mask; `guards`
    are phpguards.read_guards' blocks, the innermost one holding a write is its guard; `found`
    the loops there (phploops.loops), read when not given; `blocks` phpdrivers.driver_blocks'."""
    found = loops(src, mask, start, end) if found is None else found
    out = []
    for m in _WRITE.finditer(mask, start, end):
        chain_at = _statement_start(mask, m.start(), start)
        chain = mask[chain_at : m.start()]
        verb = m.group(1).lower()
        if verb == "save" and _is_new(mask, chain, start, m.start()):
            continue  # `$x = new Model; …; $x->save()` inserts
        loop = innermost(found, m.start())
        outer = outermost(found, m.start())
        w = _write(src, mask, m, chain_at, chain, verb, loop, outer, start)
        w = replace(w, drivers=runs_on(blocks, m.start()))
        inside = [(a, g) for a, b, g in guards if a <= m.start() < b]
        out.append(replace(w, guard=max(inside, key=lambda x: x[0])[1].cond) if inside else w)
    return tuple(out)


def _write(src, mask, m, chain_at, chain, verb, loop, outer, start) -> SourceWrite:
    kind = "delete" if verb in ("delete", "forcedelete") else "update"
    var = re.match(r"\s*(\$\w+)\s*$", chain)
    from_row = True
    if var:  # `$row->save()` / `$row->update([...])`: the model's own row, by primary key
        name = var.group(1)
        table = loop.table if loop is not None and name == loop.var else ""
        # `$cr = Model::find($id); …; $cr->save()`: that model's row
        table = table or found_model(src, mask, name, start, m.start())
        if verb == "save":
            at = loop.start if loop is not None else start
            pairs = [
                (a.group(1), at + a.end(), mask.find(";", at + a.end()))
                for a in re.finditer(rf"\{name}\s*->\s*(\w+)\s*=(?![=>])", mask[at : m.start()])
            ]
        else:
            pairs = _array_pairs(src, mask, m.end())
        pinned: tuple[str, ...] = ("id",)
    else:
        table = chain_table(src, mask, chain, chain_at)
        pinned = _pinned(src, mask, chain, chain_at)
        if verb == "delete" and _has_arg(mask, m.end()):
            pinned = ("id",)  # delete($id)
        pairs = _array_pairs(src, mask, m.end()) if verb == "update" else []
        from_row = not (loop is not None and loop.table and table and loop.table != table.lower())
    cols = tuple(dict.fromkeys(k.lower() for k, _, _ in pairs)) or ("*",)
    # constants carry nothing read from the row: the write is the keyed UPDATE … SET c = 'v'
    # a printed data fix is, whatever old code wrote to the row meanwhile
    if pairs and all(_CONSTANT.fullmatch(mask, a, b) for _, a, b in pairs):
        from_row = False
    scope = (loop.start, loop.end) if loop is not None else (start, m.start())
    converts = tuple(dict.fromkeys(k.lower() for k, a, b in pairs if _converted(mask, a, b, scope)))
    fills = tuple(c for c in cols if loop is not None and _fills(src, mask, loop, c))
    return SourceWrite(
        table.lower(),
        kind,
        loop is not None,
        outer is not None and outer.batched,
        pinned,
        cols,
        fills,
        from_row=from_row,
        converts=converts,
    )


def _pinned(src, mask, chain: str, chain_at: int) -> tuple[str, ...]:
    if re.search(r"->\s*(?:orWhere\w*)\s*\(", chain):
        return ()
    out = []
    for m in re.finditer(r"->\s*(where|whereIn|whereKey|find)\s*\(", chain):
        if m.group(1) in ("whereKey", "find"):
            out.append("id")
            continue
        col = literal_at(src, mask, chain_at + m.end())
        if col is None:
            continue
        args = mask[chain_at + m.end() : _close(mask, chain_at + m.end() - 1)]
        # where('c', $v) and where('c', '=', $v) pin c; where('c', '<>', …) does not
        op = literal_at(src, mask, chain_at + m.end() + args.find(",") + 1) if "," in args else ""
        if m.group(1) == "whereIn" or args.count(",") == 1 or op == "=":
            out.append(col.rsplit(".", 1)[-1].lower())
    return tuple(out)


def _array_pairs(src: str, mask: str, at: int) -> list[tuple[str, int, int]]:
    """(key, value start, value end) of each literal key of the array literal that is the
    call's first argument."""
    close = _close(mask, at - 1)
    arg = mask[at:close]
    if not arg.lstrip().startswith("["):
        return []
    out, depth = [], 0
    for m in re.finditer(r"[\[\]()]|(['\"])_*\1\s*=>", arg):
        if m.group(0) in "[(":
            depth += 1
        elif m.group(0) in "])":
            depth -= 1
        elif depth == 1:
            key = (literal_at(src, mask, at + m.start()) or "").rsplit(".", 1)[-1]
            if key:
                out.append((key, at + m.end(), _value_end(mask, at + m.end())))
    return out


def _value_end(mask: str, at: int) -> int:
    """The end of the array value or expression starting at `at`: a `,`, `]`, `)` or `;` outside
    any brackets."""
    depth = 0
    for i in range(at, len(mask)):
        c = mask[i]
        if c in "([":
            depth += 1
        elif c in ")]" and depth:
            depth -= 1
        elif c in ",;)]" and depth == 0:
            return i
    return len(mask)


def _converted(mask: str, a: int, b: int, scope: tuple[int, int]) -> bool:
    """The value mask[a:b] encrypts or decrypts, directly or through one variable assigned so
    within `scope` (`$enc = Crypt::encryptString($v); … ['c' => $enc]`)."""
    value = mask[a:b]
    if _CONVERT.search(value):
        return True
    var = re.fullmatch(r"\s*(\$\w+)\s*", value)
    if var is None:
        return False
    rx = rf"\{var.group(1)}\s*=(?![=>])([^;]*);"
    return any(_CONVERT.search(m.group(1)) for m in re.finditer(rx, mask[scope[0] : scope[1]]))


def _has_arg(mask: str, at: int) -> bool:
    return bool(mask[at : _close(mask, at - 1)].strip())


def _is_new(mask: str, chain: str, start: int, at: int) -> bool:
    var = re.match(r"\s*(\$\w+)\s*$", chain)
    return bool(var) and bool(re.search(rf"\{var.group(1)}\s*=\s*new\b", mask[start:at]))


def _fills(src: str, mask: str, loop: Loop, col: str) -> bool:
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
