"""Facts the gate reads from a migration's PHP source, for what `migrate --pretend` cannot show.

Pretend runs `up()` without touching the database: every SELECT answers nothing and every schema
check answers from the database CI or the host has, so a migration that asks the database before
acting prints what it would do *there*, not what it will do in production. These facts say where
that happens; the rules decide what follows. Read with phpsource's lexer (comments and strings
never match), never by running the file.

    within_transaction   False when the class sets `$withinTransaction = false`
    schema_conditionals  Schema::hasTable / hasColumn / hasColumns / hasIndex (or a connection's)
    dynamic_statement    DB::statement / unprepared / insert / update / delete with SQL that is
                         not one literal (variables, concatenation, interpolation, sprintf)
    db_loop              a loop over query results (foreach over get()/all()/cursor(), chunk,
                         chunkById, each, lazy): pretend runs its body zero times
    batched              chunkById / chunk / lazyById: writes go in batches by key
    uses_models          the migration calls the app's own classes (App\\…): what they run is
                         not in the migration
    changes              what `up()` calls besides reads and inserts: "update", "delete",
                         "schema" (Schema::table/drop/rename), "raw" (DB::statement/unprepared);
                         when pretend stops at an error, the gate judges the rest from these
    explicit_transaction up() opens a transaction itself (DB::transaction / beginTransaction),
                         not inside a loop over query results (one iteration's, phpwrites.py)
    writes               every UPDATE/DELETE call of up(), in a loop or not (phpwrites.py)
    guards               the `if (Schema::hasColumn(…))` blocks on literal names (phpguards.py)
    drivers              the engines up() runs past a first `if (driver !== 'pgsql') return;`
                         (phpdrivers.py); () when it does not return early on a driver
    schema_calls         every Schema:: call and Blueprint chain of up() (phpblueprint.py)
    schema_unread        the first `$table->` call of up() those could not follow ("" if none)
    inert_loops          every loop over query results calls no method in its body (it reads
                         and, e.g., dispatches jobs): with no writes, it changes no row
    loop_inserts         the tables the loops insert into, when inserting is all they write
    loop_functions       the app's own functions the loop bodies call (phpcalls.py), which may
                         write rows the source does not show

All but `within_transaction` are read from the body of `up()` only (`down()` drops what `up()`
made, and says nothing about the deploy).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .phpblueprint import SchemaCall, read_schema_calls
from .phpcalls import unknown_calls
from .phpdrivers import driver_blocks, read_drivers
from .phpguards import Guard, read_guards
from .phpinline import inline
from .phploops import inert, inserted_tables, loops
from .phpsource import disables_transaction, mask_php, split_php
from .phpwrites import SourceWrite, explicit_transaction, read_writes

_CONDITIONAL = re.compile(r"\b(?:hasTable|hasColumns?|hasIndex|getColumnListing|hasView)\s*\(")
_DB_CALL = re.compile(
    r"\bDB\s*::\s*(?:connection\s*\([^)]*\)\s*->\s*)?(statement|unprepared|insert|update|delete)\s*\(",
    re.I,
)
_LOOP_CALL = re.compile(r"(?:->|::)\s*(?:chunk|chunkById|each|eachById|cursor|lazy|lazyById)\s*\(")
_BATCH_CALL = re.compile(r"(?:->|::)\s*(?:chunkById|chunk|lazyById|eachById)\s*\(")
_FOREACH = re.compile(r"\bforeach\s*\(")
_QUERY_RESULT = re.compile(
    r"(?:->\s*(?:get|all|cursor|pluck|lazy)\s*\(|::\s*(?:all|get|cursor)\s*\(|\bDB\s*::\s*select\s*\()"
)
_APP_CLASS = re.compile(r"(?:\\?\bApp\\[A-Z]\w*)")


@dataclass(frozen=True)
class SourceFacts:
    within_transaction: bool = True
    schema_conditionals: bool = False
    dynamic_statement: bool = False
    db_loop: bool = False
    batched: bool = False
    uses_models: bool = False
    changes: tuple[str, ...] = ()
    explicit_transaction: bool = False
    writes: tuple[SourceWrite, ...] = ()
    guards: tuple[Guard, ...] = ()
    drivers: tuple[str, ...] = ()
    inert_loops: bool = False
    loop_inserts: tuple[str, ...] = ()
    loop_functions: tuple[str, ...] = ()
    schema_calls: tuple[SchemaCall, ...] = ()
    schema_unread: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SourceFacts:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        lists = ("changes", "writes", "guards", "drivers", "schema_calls", "schema_unread")
        lists += ("loop_inserts", "loop_functions")
        out = {k: bool(v) for k, v in known.items() if k not in lists}
        out["schema_calls"] = tuple(SchemaCall.from_dict(c) for c in known.get("schema_calls", ()))
        out["schema_unread"] = str(known.get("schema_unread", ""))
        out["changes"] = tuple(known.get("changes", ()))
        out["drivers"] = tuple(known.get("drivers", ()))
        out["loop_inserts"] = tuple(known.get("loop_inserts", ()))
        out["loop_functions"] = tuple(known.get("loop_functions", ()))
        out["writes"] = tuple(SourceWrite.from_dict(w) for w in known.get("writes", ()))
        out["guards"] = tuple(Guard.from_dict(g) for g in known.get("guards", ()))
        return cls(**out)

    @property
    def pretend_untrusted(self) -> str | None:
        """Why the pretend output may differ from what production runs, or None."""
        if self.schema_conditionals:
            return (
                "it checks the schema (Schema::hasTable/hasColumn) and pretend answers "
                "from this database"
            )
        if self.db_loop:
            return (
                "it loops over query results, which pretend returns empty: the loop "
                "body never shows"
            )
        if self.dynamic_statement:
            return "it builds SQL at run time (DB::statement with a computed string)"
        return None


_CHANGES = {
    "update": re.compile(
        r"->\s*(?:update|increment|decrement|save|upsert|updateOrInsert|updateOrCreate|push)\s*\("
    ),
    "delete": re.compile(r"->\s*(?:delete|truncate|forceDelete)\s*\(|::\s*destroy\s*\("),
    "schema": re.compile(
        r"\bSchema\s*::\s*(?:connection\s*\([^)]*\)\s*->\s*)?(?:table|drop\w*|rename)\s*\("
    ),
    "raw": re.compile(r"(?:\bDB\s*::|->)\s*(?:statement|unprepared)\s*\("),
}
_UP = re.compile(r"\bfunction\s+up\s*\(")


def up_body(code: str) -> str:
    """The body of `up()` in code whose strings are blanked; all of it when there is none."""
    m = _UP.search(code)
    if not m:
        return code
    start = code.find("{", m.end())
    depth = 0
    for i in range(start, len(code)):
        depth += {"{": 1, "}": -1}.get(code[i], 0)
        if depth == 0:
            return code[start : i + 1]
    return code[start:]


_SAVE = re.compile(r"(\$\w+)\s*->\s*save\s*\(")


def _changes(kind: str, rx: re.Pattern, code: str) -> bool:
    if kind != "update":
        return bool(rx.search(code))
    # `$x = new Model; …; $x->save()` inserts: only a save() on anything else may update.
    rest = _SAVE.sub(
        lambda m: "" if re.search(rf"\{m.group(1)}\s*=\s*new\b", code) else m.group(0), code
    )
    return bool(rx.search(rest))


def up_span(mask: str) -> tuple[int, int]:
    """Offsets of the body of `up()` in a mask (phpsource.mask_php); all of it when none."""
    m = _UP.search(mask)
    start = mask.find("{", m.end()) if m else -1
    if start < 0:
        return 0, len(mask)
    depth = 0
    for i in range(start, len(mask)):
        depth += {"{": 1, "}": -1}.get(mask[i], 0)
        if depth == 0:
            return start, i + 1
    return start, len(mask)


def read_facts(src: str) -> SourceFacts:
    src = inline(src)  # the class's own helpers up() calls are part of it (phpinline)
    _comments, whole = split_php(src)
    code = up_body(whole)
    mask = mask_php(src)
    start, end = up_span(mask)
    guards = read_guards(src, mask, start, end)
    found = loops(src, mask, start, end)
    # the source with comments blanked and strings kept: a driver check compares with a literal
    bare = "".join(c if k == "_" else k for c, k in zip(src, mask))
    blocks = driver_blocks(bare, mask, start, end)
    writes = read_writes(src, mask, start, end, guards, found, blocks)
    calls, unread = read_schema_calls(src, mask, start, end, guards, blocks)
    return SourceFacts(
        within_transaction=not disables_transaction(src),
        schema_conditionals=bool(_CONDITIONAL.search(code)),
        dynamic_statement=_dynamic_statement(src),
        # a write inside a loop over query results is a loop pretend runs zero times, however
        # the loop is spelled (`Model::all()->map(...)` too)
        db_loop=bool(_LOOP_CALL.search(code))
        or _foreach_over_query(code)
        or any(w.in_loop for w in writes),
        batched=bool(_BATCH_CALL.search(code)),
        uses_models=bool(_APP_CLASS.search(code)),
        changes=tuple(k for k, rx in _CHANGES.items() if _changes(k, rx, code)),
        explicit_transaction=explicit_transaction(mask, start, end, found),
        writes=writes,
        guards=tuple(dict.fromkeys(g for _, _, g in guards)),
        drivers=read_drivers(bare, start, end),
        inert_loops=inert(mask, found),
        loop_inserts=inserted_tables(src, mask, found),
        loop_functions=unknown_calls(mask, [(lp.start, lp.end) for lp in found]),
        schema_calls=calls,
        schema_unread=unread,
    )


def _foreach_over_query(code: str) -> bool:
    for m in _FOREACH.finditer(code):
        head = code[m.end() : _close(code, m.end() - 1)]
        if _QUERY_RESULT.search(head) or "$" in head and "DB" in head:
            return True
    return False


def _dynamic_statement(src: str) -> bool:
    """True when a DB::statement-like call's argument is not plain literal strings."""
    comments, _code = split_php(src)
    for c in comments:  # strings stay, comments go: a commented-out call is no call
        src = src.replace(c, " ")
    for m in _DB_CALL.finditer(src):
        arg = src[m.end() : _close_in_source(src, m.end() - 1)]
        if not _literal(arg):
            return True
    return False


def _close_in_source(src: str, open_at: int) -> int:
    """The `)` closing the call at open_at, skipping parentheses inside string literals."""
    depth, i = 0, open_at
    while i < len(src):
        c = src[i]
        if c in "'\"":
            j = i + 1
            while j < len(src) and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(src)


def _close(code: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(code)


_SINGLE = re.compile(r"'(?:[^'\\]|\\.)*'", re.S)
_DOUBLE = re.compile(r'"(?:[^"\\$]|\\.)*"', re.S)  # no `$`: nothing interpolated
_HEREDOC = re.compile(r"<<<\s*'?(\w+)'?\n.*?\n\s*\1\b", re.S)


def _literal(arg: str) -> bool:
    """One literal (or literals joined by `.`), optionally followed by a bindings array."""
    rest = _HEREDOC.sub(" S ", arg)
    rest = _SINGLE.sub(" S ", rest)
    rest = _DOUBLE.sub(" S ", rest)
    first = rest.split(",", 1)[0]
    return re.fullmatch(r"\s*S(?:\s*\.\s*S)*\s*", first) is not None
