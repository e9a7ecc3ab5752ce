"""MySQL/MariaDB and SQLite statements -> operations, through sqlglot's parser.

Also reads PostgreSQL, only so the benchmark can compare its coverage with pglast's. Any shape it
does not recognise becomes Unknown (which blocks unless allowed), never a silent pass.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp

from . import ops
from .coltypes import from_datatype
from .copies import mysql_alter_copy, mysql_text_copy, sqlglot_drop_default
from .keys import sqlglot_columns, sqlglot_pinned
from .read_sqlglot_values import READ, bounded_where, column
from .read_tokens import command_ops
from .readable import raw_index, readable


class _QuietFallback(logging.Filter):
    """sqlglot warns when it falls back to Command; the gate reads those itself (read_tokens.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_QuietFallback())

# Statement classes that are understood and harmless as such (reads, session settings, …).
_HARMLESS = (
    exp.Query,
    exp.Set,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Use,
    exp.Pragma,
    exp.Describe,
    exp.Show,
    exp.Analyze,
    exp.Comment,
)


def read(sql: str, dialect: str) -> list[ops.Op]:
    if dialect == "mysql":
        special = mysql_text_copy(sql) or raw_index(sql)
        if special:
            return special
    sql = readable(sql, dialect)
    try:
        trees = [t for t in sqlglot.parse(sql, read=READ[dialect]) if t is not None]
    except Exception as exc:  # ParseError, TokenError: anything it cannot read is unknown
        return [ops.Unknown(f"the {dialect} parser cannot read it: {_first_line(exc)}")]
    if not trees:
        return [ops.Unknown("no statement found")]
    found: list[ops.Op] = []
    for tree in trees:
        found.extend(_statement(tree, dialect))
    return found


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def table_name(t: exp.Expression | None) -> str:
    if not isinstance(t, exp.Table):
        return t.sql() if t is not None else "?"
    return ".".join(p for p in (t.catalog, t.db, t.name) if p)


def _statement(tree: exp.Expression, dialect: str) -> list[ops.Op]:
    if isinstance(tree, exp.Command):
        rest = (
            tree.expression.this
            if isinstance(tree.expression, exp.Literal)
            else str(tree.expression or "")
        )
        return command_ops(str(tree.this), rest, READ[dialect])
    if isinstance(tree, exp.Create):
        return _create(tree, dialect)
    if isinstance(tree, exp.Drop):
        return _drop(tree)
    if isinstance(tree, exp.Alter):
        return _alter(tree, dialect)
    if isinstance(tree, exp.TruncateTable):
        cascade = str(tree.args.get("option") or "").lower() == "cascade"
        return [ops.Truncate(table_name(t), cascade) for t in tree.expressions]
    if isinstance(tree, (exp.Update, exp.Delete)):
        return [_write(tree)]
    if isinstance(tree, exp.Insert):
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        return [ops.Insert(table_name(target), isinstance(tree.expression, exp.Query))]
    if isinstance(tree, _HARMLESS):
        return [ops.Other(type(tree).__name__)]
    return [ops.Unknown(f"not a statement the gate knows ({type(tree).__name__})")]


def _create(tree: exp.Create, dialect: str) -> list[ops.Op]:
    kind = str(tree.args.get("kind") or "").upper()
    if kind == "INDEX":
        index = tree.this
        online = dialect == "mysql" and not tree.args.get("unique")
        return [
            ops.AddIndex(
                table_name(index.args.get("table")),
                index.name or None,
                bool(tree.args.get("unique")),
                bool(tree.args.get("concurrently")),
                online,
                sqlglot_columns(index.args.get("params") or index),
            )
        ]
    if kind == "TABLE":
        schema = tree.this
        target = schema.this if isinstance(schema, exp.Schema) else schema
        columns = tuple(
            column(c, dialect)
            for c in (schema.expressions if isinstance(schema, exp.Schema) else [])
            if isinstance(c, exp.ColumnDef)
        )
        props = tree.args.get("properties")
        temporary = bool(
            props and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions)
        )
        return [
            ops.CreateTable(table_name(target), columns, temporary, tree.expression is not None)
        ]
    return [ops.Other(f"CREATE {kind}")]


def _drop(tree: exp.Drop) -> list[ops.Op]:
    kind = str(tree.args.get("kind") or "").upper()
    names = [table_name(t) for t in tree.args.get("tables") or [tree.this]]
    if kind in ("TABLE", "VIEW", "MATERIALIZED VIEW"):
        exists = bool(tree.args.get("exists"))
        return [ops.DropTable(n, "table" if kind == "TABLE" else "view", exists) for n in names]
    if kind == "INDEX":
        on = tree.args.get("cluster")
        table = table_name(on.this) if isinstance(on, exp.OnProperty) else None
        return [ops.DropIndex(n, table, bool(tree.args.get("concurrently"))) for n in names]
    if kind in ("DATABASE", "SCHEMA"):
        return [ops.DropSchema(n, kind.lower()) for n in names]
    return [ops.Other(f"DROP {kind}")]


def _alter(tree: exp.Alter, dialect: str) -> list[ops.Op]:
    if str(tree.args.get("kind") or "").upper() != "TABLE":
        return [ops.Other(f"ALTER {tree.args.get('kind')}")]
    table = table_name(tree.this)
    copy = mysql_alter_copy(table, tree) if dialect == "mysql" else None
    found: list[ops.Op] = [copy] if copy else []
    for action in tree.args.get("actions") or []:
        if not isinstance(action, exp.ForceProperty):
            found.extend(_action(table, action, dialect, bool(tree.args.get("not_valid"))))
    return found or [ops.Other("ALTER TABLE options")]


def _action(table: str, a: exp.Expression, dialect: str, not_valid: bool) -> list[ops.Op]:
    if isinstance(a, exp.ColumnDef):
        return [ops.AddColumn(table, column(a, dialect))]
    if isinstance(a, exp.Drop):
        kind = str(a.args.get("kind") or "").upper()
        names = [e.name for e in a.args.get("tables") or []]
        if kind == "COLUMN":
            return [ops.DropColumn(table, n) for n in names]
        if kind == "INDEX":
            return [ops.DropIndex(n, table) for n in names]
        return [ops.Other(f"DROP {kind}")]  # constraints, foreign keys: old code never needs them
    if isinstance(a, exp.DropPrimaryKey):
        return [ops.Other("DROP PRIMARY KEY")]
    if isinstance(a, exp.RenameIndex):
        return [ops.Other("RENAME INDEX")]  # old code names no index: metadata only
    if isinstance(a, exp.RenameColumn):
        return [ops.RenameColumn(table, a.this.name, a.args["to"].name)]
    if isinstance(a, exp.AlterRename):
        return [ops.RenameTable(table, table_name(a.this))]
    if isinstance(a, exp.ModifyColumn):
        new = column(a.this, dialect)
        old = a.args.get("rename_from")
        old_name = old.name if old is not None else new.name
        found: list[ops.Op] = [ops.RedefineColumn(table, old_name, new)]
        if (
            old_name.lower() != new.name.lower()
        ):  # MySQL `CHANGE a a …` is a type change, not a rename
            found.insert(0, ops.RenameColumn(table, old_name, new.name))
        return found
    if isinstance(a, exp.AlterColumn):
        return _alter_column(table, a, dialect)
    if isinstance(a, exp.AddConstraint):
        return [op for e in a.expressions for op in _constraint(table, e, not_valid, dialect)]
    return [ops.Unknown(f"ALTER TABLE action not understood: {a.sql()[:80]}")]


def _alter_column(table: str, a: exp.AlterColumn, dialect: str) -> list[ops.Op]:
    name = a.this.name
    if a.args.get("dtype") is not None:
        return [
            ops.AlterColumnType(
                table, name, from_datatype(a.args["dtype"], dialect), bool(a.args.get("using"))
            )
        ]
    if a.args.get("allow_null") is False:
        return [ops.SetNotNull(table, name)]
    if a.args.get("allow_null") is True or a.args.get("drop") and "NOT NULL" in a.sql().upper():
        return [ops.DropNotNull(table, name)]
    dropped = sqlglot_drop_default(table, a)
    return [dropped] if dropped else [ops.Other("ALTER COLUMN default")]


def _constraint(table: str, e: exp.Expression, not_valid: bool, dialect: str) -> list[ops.Op]:
    name = None
    if isinstance(e, exp.Constraint):
        name = e.name or None
        return [
            op
            for inner in e.expressions
            for op in _constraint_kind(table, inner, name, not_valid, dialect)
        ]
    return _constraint_kind(table, e, name, not_valid, dialect)


def _constraint_kind(
    table: str, e: exp.Expression, name: str | None, not_valid: bool, dialect: str
) -> list[ops.Op]:
    if isinstance(e, exp.IndexColumnConstraint):
        method = str(e.args.get("kind") or "").lower()
        return [
            ops.AddIndex(
                table,
                e.name or None,
                online=dialect == "mysql" and not method,
                columns=sqlglot_columns(e),
                method=method,
            )
        ]
    if isinstance(e, exp.UniqueColumnConstraint):
        inner = e.this
        index_name = (
            inner.this.name
            if isinstance(inner, exp.Schema) and isinstance(inner.this, exp.Identifier)
            else None
        )
        columns = sqlglot_columns(e)
        return [ops.AddConstraint(table, "unique", name or index_name, not_valid, columns=columns)]
    kinds = {
        exp.ForeignKey: "foreign",
        exp.PrimaryKey: "primary",
        exp.CheckColumnConstraint: "check",
        exp.PrimaryKeyColumnConstraint: "primary",
        exp.ExcludeColumnConstraint: "exclude",
    }
    for cls, kind in kinds.items():
        if isinstance(e, cls):
            return [ops.AddConstraint(table, kind, name, not_valid)]
    return [ops.Unknown(f"constraint not understood: {e.sql()[:80]}")]


def _write(tree: exp.Update | exp.Delete) -> ops.Write:
    kind = "update" if isinstance(tree, exp.Update) else "delete"
    where = tree.args.get("where")
    bounded = tree.args.get("limit") is not None or (
        where is not None and bounded_where(where.this)
    )
    pinned = sqlglot_pinned(where.this if where is not None else None)
    return ops.Write(kind, table_name(tree.this), where is not None, bounded, pinned)
