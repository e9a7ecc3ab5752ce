"""A schema without a database: LiveSchema from a schema dump's text, with the gate's parsers.

Reads `mysqldump --no-data` / `mariadb-dump` output and Laravel's
`database/schema/mysql-schema.dump` (the same thing) with sqlglot, and `pg_dump -s` output
(plain SQL; Laravel's `pgsql-schema.dump` is pg_dump's custom format, which schema_file turns
into this text first)
with libpg_query. What a dump tells: every column's type, nullability and default, and every
unique key (primary keys, UNIQUE constraints, unique indexes). Row counts it cannot tell, so
`LiveSchema.rows` stays empty. A table the parser cannot read is left out and named in
`skipped`, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from .live_schema import ColumnInfo, LiveSchema
from .sqlfiles import split_statements

# pg_dump's data sections (`COPY … FROM stdin;` … `\.`) are not SQL the parser reads.
_COPY_BLOCK = re.compile(r"^COPY [^\n]* FROM stdin;\n.*?^\\\.$", re.S | re.M)
_PSQL_META = re.compile(r"^\\[a-z]+.*$", re.M)  # \connect, \restrict (pg_dump 17)


@dataclass
class Dump:
    dialect: str
    schema: LiveSchema
    tables: int
    skipped: list[str] = field(default_factory=list)


def dialect_of(text: str) -> str:
    head = text[:20000]
    if "PostgreSQL database dump" in head or "SET search_path" in head or "public." in head:
        return "pgsql"
    return "mysql"


def read_dump(text: str, dialect: str | None = None) -> Dump:
    dialect = dialect or dialect_of(text)
    return _read_pg(text) if dialect == "pgsql" else _read_mysql(text)


class _Builder:
    def __init__(self):
        self.columns: dict[tuple[str, str], ColumnInfo] = {}
        self.unique: dict[str, list[tuple[str, ...]]] = {}
        self.tables: set[str] = set()

    def key(self, table: str, cols) -> None:
        if cols:
            self.unique.setdefault(table, []).append(tuple(c.lower() for c in cols))

    def build(self, dialect: str, skipped: list[str]) -> Dump:
        schema = LiveSchema(self.columns, {t: tuple(k) for t, k in self.unique.items()})
        return Dump(dialect, schema, len(self.tables), skipped)


def _read_mysql(text: str) -> Dump:
    import sqlglot

    b, skipped = _Builder(), []
    for sql in split_statements(text, "mysql"):
        if not re.match(r"\s*create\s+table", sql, re.I):
            continue
        try:
            tree = sqlglot.parse_one(sql, read="mysql")
        except Exception:  # a table the parser cannot read is skipped and named, not guessed
            skipped.append(_table_word(sql))
            continue
        if not isinstance(tree.this, exp.Schema):
            continue
        table = tree.this.this.name
        b.tables.add(table)
        charset = _table_charset(tree)
        for e in tree.this.expressions:
            if isinstance(e, exp.ColumnDef):
                b.columns[(table, e.name)] = _mysql_column(e, charset)
                if any(isinstance(c.kind, exp.PrimaryKeyColumnConstraint) for c in e.constraints):
                    b.key(table, [e.name])
            elif isinstance(e, exp.PrimaryKey) or (
                isinstance(e, (exp.UniqueColumnConstraint, exp.Constraint))
                and "UNIQUE" in e.sql().upper()
            ):
                b.key(table, [c.name for c in e.find_all(exp.Column)] or _idents(e))
    return b.build("mysql", skipped)


def _idents(e: exp.Expression) -> list[str]:
    """PRIMARY KEY (`a`, `b`) holds bare identifiers, not columns."""
    return [i.name for i in e.expressions if isinstance(i, (exp.Identifier, exp.Ordered))]


def _mysql_column(e: exp.ColumnDef, table_charset: str | None) -> ColumnInfo:
    kind = e.args.get("kind")
    type_ = kind.sql(dialect="mysql").lower() if kind is not None else "?"
    not_null = default = charset = None
    for c in e.constraints:
        k = c.kind
        if isinstance(k, exp.NotNullColumnConstraint):
            not_null = not k.args.get("allow_null")
        elif isinstance(k, exp.DefaultColumnConstraint):
            default = k.this.sql(dialect="mysql")
        elif isinstance(k, exp.CharacterSetColumnConstraint):
            charset = k.this.name
        elif isinstance(k, exp.PrimaryKeyColumnConstraint):
            not_null = True
    if default is not None and default.upper() == "NULL":
        default = None
    textual = any(w in type_ for w in ("char", "text", "enum", "set("))
    return ColumnInfo(
        type_,
        not not_null,
        (charset or table_charset) if textual else None,
        default is not None,
        default,
    )


def _table_charset(tree: exp.Create) -> str | None:
    props = tree.args.get("properties")
    for p in props.expressions if props else ():
        if isinstance(p, exp.CharacterSetProperty):
            return p.this.name
    return None


def _table_word(sql: str) -> str:
    m = re.search(r"create\s+table\s+(?:if\s+not\s+exists\s+)?[`\"]?([\w.]+)", sql, re.I)
    return m.group(1) if m else sql[:40]


def _read_pg(text: str) -> Dump:
    from pglast import ast, parse_sql
    from pglast.enums import AlterTableType as AT
    from pglast.enums import ConstrType as CT

    from .keys import pglast_index_columns, pglast_key_columns
    from .read_pglast_values import _sql, coltype

    b, skipped = _Builder(), []
    clean = _PSQL_META.sub("", _COPY_BLOCK.sub("", text))
    for sql in split_statements(clean, "pgsql"):
        try:
            stmts = parse_sql(sql)
        except Exception:  # e.g. a statement of a newer server's dump: skipped and named
            skipped.append(sql.strip()[:60])
            continue
        for raw in stmts:
            s = raw.stmt
            if isinstance(s, ast.CreateStmt):
                table = s.relation.relname
                b.tables.add(table)
                for e in s.tableElts or ():
                    if isinstance(e, ast.ColumnDef):
                        cons = list(e.constraints or ())
                        kinds = {c.contype for c in cons}
                        dflt = next((c for c in cons if c.contype == CT.CONSTR_DEFAULT), None)
                        default = _sql(dflt.raw_expr) if dflt is not None else None
                        b.columns[(table, e.colname)] = ColumnInfo(
                            coltype(e.typeName).sql,
                            not (kinds & {CT.CONSTR_NOTNULL, CT.CONSTR_PRIMARY}),
                            None,
                            default is not None,
                            default,
                        )
                        if kinds & {CT.CONSTR_PRIMARY, CT.CONSTR_UNIQUE}:
                            b.key(table, [e.colname])
                    elif isinstance(e, ast.Constraint) and e.contype in (
                        CT.CONSTR_PRIMARY,
                        CT.CONSTR_UNIQUE,
                    ):
                        b.key(table, pglast_key_columns(e.keys))
            elif isinstance(s, ast.AlterTableStmt) and s.relation is not None:
                table = s.relation.relname
                for c in s.cmds or ():
                    if c.subtype == AT.AT_AddConstraint and c.def_.contype in (
                        CT.CONSTR_PRIMARY,
                        CT.CONSTR_UNIQUE,
                    ):
                        b.key(table, pglast_key_columns(c.def_.keys))
                    elif c.subtype == AT.AT_ColumnDefault and c.def_ is not None:
                        old = b.columns.get((table, c.name))
                        if old is not None:
                            d = _sql(c.def_)
                            b.columns[(table, c.name)] = ColumnInfo(
                                old.type, old.nullable, None, True, d
                            )
            elif isinstance(s, ast.IndexStmt) and s.unique and s.whereClause is None:
                b.key(s.relation.relname, pglast_index_columns(s.indexParams))
    return b.build("pgsql", skipped)
