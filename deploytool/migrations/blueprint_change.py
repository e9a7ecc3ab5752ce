"""A Blueprint `->change()` pretend did not print, judged against the live column.

Pretend prints a `->change()` (Doctrine DBAL diffs the live column against the new definition),
except where it never reaches it: a block under a schema check pretend answers "no" (twill's
`if (Schema::hasTable('twill_fileables') && Schema::hasColumn(…, 'locale'))`), or a pretend
stopped before. Then the source says the new definition and the live schema the old one, which
is all Doctrine itself reads: on MariaDB and PostgreSQL the call is the column restated
(`RedefineColumn`, judged by the type and nullability rules as a printed MODIFY is); on SQLite a
definition that differs from the live one is Doctrine's rebuild through a `__temp__` copy, and an
identical one does nothing. A serial type (`increments('id')->change()`) is the integer with
AUTO_INCREMENT on MySQL (a copy where the live type differs; unknown where it does not, as the
schema rows do not say whether it already is one) and with a sequence default on PostgreSQL (a
catalog change); SQLite always rebuilds. Without the live column, or for a type not listed here,
it stays an Unknown that blocks, naming the call.
"""

from __future__ import annotations

from . import ops
from .coltypes import read_type

# Blueprint type -> (MySQL, PostgreSQL, SQLite) column type, as Laravel 8's grammars write them;
# {0} and {1} are the call's length/precision arguments.
_SQL = {
    "string": ("varchar({0})", "varchar({0})", "varchar"),
    "char": ("char({0})", "char({0})", "varchar"),
    "text": ("text", "text", "text"),
    "mediumText": ("mediumtext", "text", "text"),
    "longText": ("longtext", "text", "text"),
    "tinyText": ("tinytext", "varchar(255)", "text"),
    "integer": ("int", "integer", "integer"),
    "unsignedInteger": ("int unsigned", "integer", "integer"),
    "bigInteger": ("bigint", "bigint", "integer"),
    "unsignedBigInteger": ("bigint unsigned", "bigint", "integer"),
    "smallInteger": ("smallint", "smallint", "integer"),
    "tinyInteger": ("tinyint", "smallint", "integer"),
    "boolean": ("tinyint(1)", "boolean", "tinyint(1)"),
    "decimal": ("decimal({0},{1})", "decimal({0},{1})", "numeric"),
    "json": ("json", "json", "text"),
    "jsonb": ("json", "jsonb", "text"),
    "date": ("date", "date", "date"),
    "dateTime": ("datetime", "timestamp(0) without time zone", "datetime"),
    "timestamp": ("timestamp", "timestamp(0) without time zone", "datetime"),
    "uuid": ("char(36)", "uuid", "varchar"),
}
# Serial types: the same column with AUTO_INCREMENT (MySQL) or a sequence default (PostgreSQL).
_SERIAL = {
    "increments": ("int unsigned", "integer", "integer"),
    "bigIncrements": ("bigint unsigned", "bigint", "integer"),
    "mediumIncrements": ("mediumint unsigned", "integer", "integer"),
    "smallIncrements": ("smallint unsigned", "smallint", "integer"),
    "tinyIncrements": ("tinyint unsigned", "smallint", "integer"),
}
_SQL.update(_SERIAL)
# Placement changes nothing the rules judge: MariaDB reorders columns in place.
_MODS = {"change", "nullable", "default", "unsigned", "first", "after"}
_DEFAULT_ARGS = {"string": ("255",), "char": ("255",), "decimal": ("8", "2")}
_COLUMN = {"mysql": 0, "pgsql": 1, "sqlite": 2}


def changed_ops(call, dialect: str, schema) -> list[ops.Op] | None:
    """The operations of a `->change()` call, or None when the gate cannot say (no live
    column, or a type or modifier it does not map)."""
    name = call.args[0].lower() if call.args else ""
    info = schema.column(call.table, name) if schema is not None and name else None
    sql = _SQL.get(call.verb)
    mods = dict(call.mods)
    if info is None or sql is None or set(mods) - _MODS:
        return None
    serial = call.verb in _SERIAL
    args = tuple(call.params)
    args += _DEFAULT_ARGS.get(call.verb, ())[len(args) :]
    text = sql[_COLUMN[dialect]].format(*args)
    if dialect == "mysql" and "unsigned" in mods and "unsigned" not in text:
        text += " unsigned"  # `->unsigned()`: MySQL's grammar writes it into the type
    not_null = "nullable" not in mods or mods["nullable"] in ("false", "0")
    default = ops.Default(mods["default"], False) if "default" in mods else None
    if dialect == "sqlite":
        # SQLite keeps no length ("varchar" for any string(n)): a call that states one may
        # differ from what Doctrine reads, so only a length-less type of the same affinity and
        # nullability is known to be the same (text -> longText: both TEXT)
        # (a serial column's autoincrement flag is not in the schema rows: taken to differ)
        same = (
            not serial
            and text == info.type.lower()
            and "{" not in sql[0]
            and not_null == (info.nullable is False)
        )
        if same:
            return []  # Doctrine finds nothing to change
        return [
            ops.CopyTable(
                call.table, f"->change() of {name} on SQLite: Doctrine rebuilds the table"
            )
        ]
    new = read_type(text, dialect)
    if serial and dialect == "mysql" and new == read_type(info.type, dialect):
        # Doctrine prints nothing if the column already is AUTO_INCREMENT, and MODIFY copies the
        # table to make it one: the schema rows do not say which
        return None
    column = ops.Column(name, type=new, not_null=not_null, default=default, auto_increment=serial)
    return [ops.RedefineColumn(call.table, name, column)]
