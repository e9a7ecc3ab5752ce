"""Column types in one shape for every dialect, and which type changes rewrite the table.

A type is read with sqlglot's type parser (PostgreSQL spellings like `character varying(50)` or
`int4` included) into a name and its parameters. `change_cost` answers "does going from this
type to that one rewrite or copy the table?" from measured behaviour:

* PostgreSQL 15: varchar(n) -> varchar(m >= n), varchar -> text and
  numeric(p,s) -> numeric(q >= p,s) keep the table's file (relfilenode); int -> bigint and any
  `USING` rewrite it.
* MariaDB 10.11 / MySQL InnoDB: a longer VARCHAR is in place only while its byte length stays on
  the same side of 255 bytes (one length byte or two), so utf8mb4 varchar(50) -> varchar(100)
  (200 -> 400 bytes) is a table copy but varchar(100) -> varchar(200) is instant; appending enum
  values is instant, removing or reordering them is a copy; int -> bigint is a copy. The rule
  follows MySQL's documented one; MariaDB is more lenient for columns of at most 127 bytes
  (latin1 varchar(50) -> varchar(300) is instant there), so the gate may flag what MariaDB does
  online, never the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

_SQLGLOT = {"mysql": "mysql", "pgsql": "postgres", "sqlite": "sqlite"}
_TEXTUAL = {"TEXT", "VARCHAR"}
_INTEGERS = {
    "TINYINT",
    "UTINYINT",
    "SMALLINT",
    "USMALLINT",
    "MEDIUMINT",
    "UMEDIUMINT",
    "INT",
    "UINT",
    "BIGINT",
    "UBIGINT",
}
CHARSET_BYTES = {
    "utf8mb4": 4,
    "utf8mb3": 3,
    "utf8": 3,
    "latin1": 1,
    "ascii": 1,
    "binary": 1,
    "ucs2": 2,
}
DEFAULT_MYSQL_CHARSET = "utf8mb4"  # Laravel's default charset


@dataclass(frozen=True)
class ColType:
    name: str  # sqlglot's type name, e.g. VARCHAR, BIGINT, DECIMAL, ENUM; or the raw name
    params: tuple[str, ...]
    sql: str  # as written, for messages

    def int_param(self, k: int) -> int | None:
        try:
            return int(self.params[k])
        except (IndexError, ValueError):
            return None


def read_type(text: str, dialect: str) -> ColType:
    text = " ".join(text.split())
    try:
        dt = exp.DataType.build(text, dialect=_SQLGLOT[dialect], udt=True)
    except Exception:  # sqlglot raises several error types for odd spellings; keep the raw name
        return ColType(text.split("(")[0].strip().upper(), (), text)
    if dt.this == exp.DataType.Type.USERDEFINED:
        return ColType(text.upper(), (), text)
    params = tuple(_param(e) for e in dt.expressions)
    return ColType(dt.this.name, params, text)


def from_datatype(dt: exp.DataType, dialect: str) -> ColType:
    return read_type(dt.sql(dialect=_SQLGLOT[dialect]), dialect)


def _param(e: exp.Expression) -> str:
    inner = e.this if isinstance(e, exp.DataTypeParam) else e
    if isinstance(inner, exp.Literal):
        return inner.this
    return inner.sql()


def change_cost(old: ColType, new: ColType, dialect: str, charset: str | None = None) -> str | None:
    """None when the change keeps the table in place, else why it rewrites or copies the table."""
    if old.name == new.name and old.params == new.params:
        return None
    if dialect == "mysql" and old.name == new.name and old.name in _INTEGERS:
        return None  # int(11) and int differ in display width only
    if dialect == "pgsql":
        return _pg_cost(old, new)
    if dialect == "mysql":
        return _mysql_cost(old, new, charset)
    return f"changing {old.sql} to {new.sql} rebuilds the table"


def _pg_cost(old: ColType, new: ColType) -> str | None:
    if old.name == "VARCHAR" and new.name in _TEXTUAL:
        o, m = old.int_param(0), new.int_param(0)
        if new.name == "TEXT" or m is None or (o is not None and m >= o):
            return None
    if old.name == "TEXT" and new.name == "VARCHAR" and new.int_param(0) is None:
        return None
    if old.name == "DECIMAL" and new.name == "DECIMAL":
        op, os_, np_, ns = (
            old.int_param(0),
            old.int_param(1) or 0,
            new.int_param(0),
            new.int_param(1) or 0,
        )
        if np_ is None or (op is not None and np_ >= op and ns == os_):
            return None
    if old.name == "CIDR" and new.name == "INET":
        return None
    return (
        f"changing {old.sql} to {new.sql} rewrites the whole table under an ACCESS EXCLUSIVE lock "
        "(only varchar widening, varchar->text and numeric precision increases are free)"
    )


def _mysql_cost(old: ColType, new: ColType, charset: str | None) -> str | None:
    if old.name == new.name == "VARCHAR":
        o, m = old.int_param(0), new.int_param(0)
        if o is not None and m is not None and m >= o:
            per_char = CHARSET_BYTES.get((charset or DEFAULT_MYSQL_CHARSET).lower(), 4)
            if (o * per_char <= 255) == (m * per_char <= 255):
                return None
            return (
                f"{old.sql} -> {new.sql} crosses 255 bytes ({o * per_char} -> {m * per_char} bytes "
                f"in {charset or DEFAULT_MYSQL_CHARSET}): InnoDB needs a second length byte, so it "
                "copies the table and blocks writes"
            )
    if old.name == new.name == "ENUM":
        if new.params[: len(old.params)] == old.params:
            return None
        return enum_change_why(old, new)
    return (
        f"changing {old.sql} to {new.sql} makes InnoDB copy the table (ALGORITHM=COPY) and block "
        "writes"
    )


def enum_change_why(old: ColType, new: ColType) -> str:
    removed = [v for v in old.params if v not in new.params]
    if removed:
        return f"removes enum value(s) {', '.join(removed)} that old code may still write or read"
    return (
        "reorders enum values: stored indexes change meaning, sorting changes, and the table is "
        "copied"
    )
