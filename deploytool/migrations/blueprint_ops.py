"""Blueprint calls read from the source (phpblueprint.SchemaCall) as the gate's operations.

Where pretend did not print a `Schema::table` block (it stopped at a PHP error before, or the
block sits under a `hasColumn` check pretend answers "no"), the gate judges the calls as the
operations Laravel 8's schema grammars would emit for them, so the same rules decide: a column
type call is an ADD COLUMN (NOT NULL unless `nullable()`, with its `default()`; `unique()` and
`index()` add an index as the grammars do, after the column), `index/unique/primary/foreign` add
keys, `drop*`/`rename*` drop and rename; `->change()` is judged against the live column
(blueprint_change.py). A call the gate does not know, or a `change()` it cannot map, becomes an
Unknown that blocks with that reason.
"""

from __future__ import annotations

from . import ops
from .blueprint_change import changed_ops
from .coltypes import ColType
from .ops import key
from .phpdrivers import runs_here
from .phpguards import guard_holds

# Blueprint column types (Illuminate\Database\Schema\Blueprint) that add one column.
_TYPES = {
    "bigInteger", "binary", "boolean", "char", "date", "dateTime", "dateTimeTz", "decimal",
    "double", "enum", "float", "foreignId", "foreignUuid", "geometry", "integer", "ipAddress",
    "json", "jsonb", "longText", "macAddress", "mediumInteger", "mediumText", "point", "set",
    "smallInteger", "string", "text", "time", "timeTz", "timestamp", "timestampTz", "tinyInteger",
    "tinyText", "unsignedBigInteger", "unsignedDecimal", "unsignedInteger",
    "unsignedMediumInteger", "unsignedSmallInteger", "unsignedTinyInteger", "uuid", "year",
}  # fmt: skip
_SERIAL = {"increments", "bigIncrements", "mediumIncrements", "smallIncrements", "tinyIncrements"}
# Modifiers that change nothing the rules judge (placement, comments, charset).
_INERT = {"after", "first", "comment", "charset", "collation", "unsigned", "useCurrentOnUpdate"}
# Defaults evaluated per row on PostgreSQL: the table is rewritten (uuid, random, clock).
_VOLATILE = ("uuid", "random", "clock_timestamp", "now()")
_STAMPS = ("created_at", "updated_at")
_PAIRS = {
    "timestamps": _STAMPS,
    "nullableTimestamps": _STAMPS,
    "softDeletes": ("deleted_at",),
    "rememberToken": ("remember_token",),
}
_DROPS = {"dropTimestamps": _STAMPS, "dropSoftDeletes": ("deleted_at",)}
_DROPS["dropRememberToken"] = ("remember_token",)


def schema_ops(call, dialect: str) -> list[ops.Op]:
    """The operations one SchemaCall stands for on `dialect`."""
    t = call.table
    if call.kind == "create":
        return [ops.CreateTable(t)]
    if call.kind in ("drop", "dropIfExists"):
        return [ops.DropTable(t, if_exists=call.kind == "dropIfExists")]
    if call.kind == "rename":
        return [ops.RenameTable(t, call.args[0])] if call.args else [_unknown(call, "rename")]
    if not call.verb:
        return []  # the Schema::table call itself; its Blueprint calls follow
    return _blueprint(call, dialect)


def _blueprint(call, dialect: str) -> list[ops.Op]:
    v, t, cols = call.verb, call.table, tuple(a.lower() for a in call.args)
    mods = dict(call.mods)
    if v in _TYPES or v in _SERIAL or v == "id" or v in _PAIRS:
        if set(mods) - _INERT - {"nullable", "default", "unique", "index", "useCurrent",
                                 "constrained", "references", "on", "onDelete", "onUpdate",
                                 "cascadeOnDelete", "nullOnDelete"}:  # fmt: skip
            return [_unknown(call, next(iter(set(mods) - _INERT)))]
        names = _PAIRS.get(v) or (("id",) if v == "id" and not cols else cols[:1])
        return [op for name in names for op in _column(call, name, dialect, mods)]
    if v in ("index", "unique", "spatialIndex", "fullText"):
        unique = v == "unique"
        method = {"spatialIndex": "spatial", "fullText": "fulltext"}.get(v, "")
        online = dialect == "mysql" and not unique and not method
        return [ops.AddIndex(t, None, unique=unique, online=online, columns=cols, method=method)]
    if v == "primary":
        return [ops.AddConstraint(t, "primary", columns=cols)]
    if v == "foreign":
        return [ops.AddConstraint(t, "foreign")]
    if v in ("dropColumn", "dropColumns") or v in _DROPS:
        return [ops.DropColumn(t, c) for c in (_DROPS.get(v) or cols)]
    if v in ("dropIndex", "dropUnique", "dropSpatialIndex", "dropFullText"):
        return [ops.DropIndex(call.args[0] if call.args else "", t)]
    if v == "dropForeign":
        return [ops.Other(f"drop foreign key on {t}")]  # metadata: old code never names it
    if v == "renameColumn" and len(call.args) == 2:
        return [ops.RenameColumn(t, call.args[0], call.args[1])]
    return [_unknown(call, v)]


def _column(call, name: str, dialect: str, mods: dict) -> list[ops.Op]:
    serial = call.verb in _SERIAL or call.verb == "id"
    default = _default(mods, call.verb, dialect)
    column = ops.Column(
        name,
        type=ColType("JSON", (), "json") if call.verb == "json" else None,
        not_null=("nullable" not in mods or mods["nullable"] in ("false", "0"))
        and call.verb not in ("timestamps", "nullableTimestamps", "softDeletes", "rememberToken"),
        default=default,
        primary_key=serial,
        auto_increment=serial,
        references="constrained" in mods or "references" in mods,
    )
    out: list[ops.Op] = [ops.AddColumn(call.table, column)]
    if "unique" in mods:
        out.append(ops.AddIndex(call.table, None, unique=True, columns=(name,)))
    if "index" in mods:
        out.append(ops.AddIndex(call.table, None, online=dialect == "mysql", columns=(name,)))
    return out


def _default(mods: dict, verb: str, dialect: str):
    if "useCurrent" in mods:
        return ops.Default("CURRENT_TIMESTAMP", volatile=False)
    if "default" not in mods:
        return None
    sql = mods["default"]
    volatile = dialect == "pgsql" and any(v in sql.lower() for v in _VOLATILE)
    return ops.Default(sql, volatile, "evaluated for every existing row" if volatile else "")


def _unknown(call, what: str) -> ops.Unknown:
    return ops.Unknown(
        f"the source's `$table->{call.verb or call.kind}(…)` on {call.table} "
        f"({what}) is not one the gate reads, and pretend did not print it"
    )


def unprinted_ops(facts, shown, schema, dialect: str) -> list[ops.Op]:
    """The operations of the Blueprint calls pretend did not print: those of a block under a
    schema conditional that holds on `schema` but that pretend answered "no" (an atom without
    `!`), and, when pretend stopped at a PHP error, those on tables it printed nothing for; so
    too a call in a `try` whose `catch` may have swallowed the error that stopped pretend first.
    None where up() returns at once on this engine, nor under a block another engine's driver
    test holds (phpdrivers)."""
    from .rules.source import pretend_stopped

    if facts is None or not facts.schema_calls:
        return []
    if facts.drivers and dialect not in facts.drivers:
        return []
    stopped = any(pretend_stopped(op) for op in shown)
    printed = {key(t) for op in shown if (t := getattr(op, "table", None)) and _schema_op(op)}
    out: list[ops.Op] = []
    for call in facts.schema_calls:
        if not runs_here(call, dialect):
            continue  # under a driver test for another engine: production skips it here
        if call.guard:
            atoms = call.guard.split("&")
            if any(not a.startswith("!") for a in atoms) and guard_holds(call.guard, schema):
                out += _ops(call, dialect, schema)
        elif (stopped or call.caught and _prints(call)) and key(call.table) not in printed:
            out += _ops(call, dialect, schema)
    return out


def _ops(call, dialect: str, schema) -> list[ops.Op]:
    if "change" in dict(call.mods):
        changed = changed_ops(call, dialect, schema)  # against the live column
        if changed is not None:
            return changed
    return schema_ops(call, dialect)


def _prints(call) -> bool:
    """Pretend prints SQL for the call whenever it reaches it: not so for `->change()`, whose
    SQL Doctrine computes from the live column (nothing when it already is what is asked)."""
    return "change" not in dict(call.mods)


def _schema_op(op: ops.Op) -> bool:
    return not isinstance(op, (ops.Write, ops.Insert, ops.Unknown, ops.SourceFact))
