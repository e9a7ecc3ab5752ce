"""MySQL and SQLite values inside statements, through sqlglot: column definitions, defaults (and
whether they are computed per row), and the WHERE shapes that pin a write to a few rows.
read_sqlglot.py reads the statements that contain them.
"""

from __future__ import annotations

from sqlglot import exp

from . import ops
from .coltypes import from_datatype

READ = {"mysql": "mysql", "pgsql": "postgres", "sqlite": "sqlite"}  # sqlglot's dialect names


_FUNCTIONS_STABLE = {
    "now",
    "current_timestamp",
    "localtimestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "current_date",
    "current_time",
}


# Functions whose expression default makes MariaDB 10.11 copy the table (measured one by one).
_MARIADB_COPY = {"uuid", "uuid_short", "sys_guid", "sysdate", "random_bytes", "utc_timestamp"}


def _function_name(f: exp.Func) -> str:
    if isinstance(f, exp.Anonymous):
        return f.name.lower()
    return f.sql(dialect="mysql").split("(")[0].strip().lower()


def column(cd: exp.ColumnDef, dialect: str) -> ops.Column:
    dtype = cd.args.get("kind")
    col = {
        "name": cd.name,
        "type": from_datatype(dtype, dialect) if isinstance(dtype, exp.DataType) else None,
    }
    for c in cd.args.get("constraints") or []:
        kind = c.args.get("kind") if isinstance(c, exp.ColumnConstraint) else c
        if isinstance(kind, exp.NotNullColumnConstraint):
            col["not_null"] = not kind.args.get("allow_null")
        elif isinstance(kind, exp.DefaultColumnConstraint):
            col["default"] = default(kind.this, dialect)
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            col["primary_key"] = True
        elif isinstance(kind, exp.UniqueColumnConstraint):
            col["unique"] = True
        elif isinstance(
            kind, (exp.AutoIncrementColumnConstraint, exp.GeneratedAsIdentityColumnConstraint)
        ):
            col["auto_increment"] = True
        elif isinstance(kind, exp.ComputedColumnConstraint):
            col["generated_stored"] = bool(kind.args.get("persisted"))
        elif isinstance(kind, exp.CharacterSetColumnConstraint):
            col["charset"] = kind.name
        elif isinstance(kind, exp.CheckColumnConstraint):
            col["check"] = True
        elif isinstance(kind, exp.Reference) or isinstance(c, exp.Reference):
            col["references"] = True
    if (
        dtype is not None
        and isinstance(dtype, exp.DataType)
        and dtype.this.name in ("SERIAL", "BIGSERIAL", "SMALLSERIAL")
    ):
        col["auto_increment"] = True
    return ops.Column(**col)


def default(e: exp.Expression, dialect: str) -> ops.Default:
    sql = e.sql(dialect=READ[dialect])
    if isinstance(e, (exp.Literal, exp.Null, exp.Boolean)) or (
        isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal)
    ):
        return ops.Default(sql, False)
    if isinstance(e, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime)):
        return ops.Default(sql, False)
    if isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal):
        return ops.Default(sql, False)
    if dialect == "mysql":
        # Measured on MariaDB 10.11 (ADD COLUMN ... DEFAULT (expr), ALGORITHM=INSTANT): these
        # force ALGORITHM=COPY, anywhere in the expression; JSON_ARRAY(), JSON_OBJECT(), CONCAT,
        # NOW(), RAND(), UTC_DATE() and a parenthesised literal stay INSTANT.
        copying = [n for n in map(_function_name, e.find_all(exp.Func)) if n in _MARIADB_COPY]
        if copying:
            return ops.Default(
                sql, True, f"{copying[0]}() is computed per row, so InnoDB copies the table"
            )
        return ops.Default(sql, False)
    funcs = [f for f in e.find_all(exp.Func) if not isinstance(f, (exp.Cast, exp.Paren))]
    # an Anonymous node's sql_name() is "ANONYMOUS": the function's own name decides
    unknown = [f.sql() for f in funcs if _function_name(f) not in _FUNCTIONS_STABLE]
    if unknown:
        return ops.Default(
            sql, True, f"{unknown[0]} may be volatile: it is evaluated for every existing row"
        )
    return ops.Default(sql, False)


_KEY_COLUMNS = {"id", "uuid", "ctid", "rowid"}


def bounded_where(cond: exp.Expression) -> bool:
    """Does the WHERE touch a bounded set of rows: a key lookup, a key range, or a LIMITed
    subquery?"""
    conjuncts = list(cond.flatten()) if isinstance(cond, exp.And) else [cond]
    lower = upper = False
    for c in conjuncts:
        if isinstance(c, exp.Paren):
            if bounded_where(c.this):
                return True
            continue
        col = (
            c.this
            if isinstance(c, (exp.EQ, exp.In, exp.Between, exp.GT, exp.GTE, exp.LT, exp.LTE))
            else None
        )
        if not (isinstance(col, exp.Column) and col.name.lower() in _KEY_COLUMNS):
            continue
        if isinstance(c, (exp.EQ, exp.Between)):
            return True
        if isinstance(c, exp.In):
            query = c.args.get("query")
            if query is None or any(
                s.args.get("limit") is not None for s in query.find_all(exp.Select)
            ):
                return True
        lower = lower or isinstance(c, (exp.GT, exp.GTE))
        upper = upper or isinstance(c, (exp.LT, exp.LTE))
    return lower and upper
