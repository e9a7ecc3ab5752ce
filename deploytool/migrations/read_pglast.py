"""PostgreSQL statements -> operations, through libpg_query (pglast): PostgreSQL's own grammar.

Chosen over sqlglot for PostgreSQL on measured coverage (see benchmarks/bench_migrations.py):
libpg_query parses every statement PostgreSQL accepts into the server's own node tree, where
sqlglot 30 falls back to unstructured commands for VALIDATE CONSTRAINT, ALTER TYPE … ADD VALUE
and others. PDO's `?` placeholders are numbered `$n` first, since the server grammar rejects `?`.
"""

from __future__ import annotations

from pglast import ast, parse_sql
from pglast.enums import (
    AlterTableType as AT,
)
from pglast.enums import (
    ConstrType as CT,
)
from pglast.enums import (
    DropBehavior,
)
from pglast.enums import (
    ObjectType as OT,
)

from . import ops
from .copies import pglast_copy
from .keys import pglast_index_columns, pglast_key_columns, pglast_pinned
from .read_pglast_values import _sql, bounded_where, coltype, column
from .sqlscan import number_placeholders

_HARMLESS_AT = {
    AT.AT_ColumnDefault,
    AT.AT_DropConstraint,
    AT.AT_SetStatistics,
    AT.AT_SetOptions,
    AT.AT_ResetOptions,
    AT.AT_SetStorage,
    AT.AT_SetCompression,
    AT.AT_ReplicaIdentity,
    AT.AT_ChangeOwner,
    AT.AT_GenericOptions,
    AT.AT_SetRelOptions,
    AT.AT_ResetRelOptions,
    AT.AT_EnableTrig,
    AT.AT_DisableTrig,
    AT.AT_EnableTrigAll,
    AT.AT_DisableTrigAll,
    AT.AT_EnableTrigUser,
    AT.AT_DisableTrigUser,
    AT.AT_EnableRowSecurity,
    AT.AT_DisableRowSecurity,
    AT.AT_ForceRowSecurity,
    AT.AT_NoForceRowSecurity,
    AT.AT_DropIdentity,
    AT.AT_DropExpression,
    AT.AT_CookedColumnDefault,
    AT.AT_DropOids,
    AT.AT_ClusterOn,
    AT.AT_DropCluster,
}


def read(sql: str) -> list[ops.Op]:
    try:
        stmts = parse_sql(number_placeholders(sql))
    except Exception as exc:  # pglast.parser.ParseError: the server itself would refuse it
        return [ops.Unknown(f"PostgreSQL's parser rejects it: {exc}")]
    if not stmts:
        return [ops.Unknown("no statement found")]
    return [op for raw in stmts for op in _statement(raw.stmt)]


def _rel(r: ast.RangeVar | None) -> str:
    return (
        ".".join(p for p in (r.catalogname, r.schemaname, r.relname) if p) if r is not None else "?"
    )


def _names(names) -> str:
    return ".".join(n.sval for n in names or () if isinstance(n, ast.String))


def _statement(s) -> list[ops.Op]:
    handler = _HANDLERS.get(type(s))
    if handler is not None:
        return handler(s)
    copied = pglast_copy(s)
    if copied:
        return copied
    if isinstance(s, ast.DoStmt):
        return [ops.Unknown("a DO block runs procedural code the gate cannot see into")]
    return [ops.Other(type(s).__name__)]


def _create(s: ast.CreateStmt) -> list[ops.Op]:
    cols = tuple(column(e) for e in s.tableElts or () if isinstance(e, ast.ColumnDef))
    return [ops.CreateTable(_rel(s.relation), cols, s.relation.relpersistence == "t")]


def _create_as(s: ast.CreateTableAsStmt) -> list[ops.Op]:
    return [ops.CreateTable(_rel(s.into.rel), (), s.into.rel.relpersistence == "t", True)]


def _index(s: ast.IndexStmt) -> list[ops.Op]:
    columns = pglast_index_columns(s.indexParams)
    return [
        ops.AddIndex(
            _rel(s.relation), s.idxname, bool(s.unique), bool(s.concurrent), columns=columns
        )
    ]


def _drop(s: ast.DropStmt) -> list[ops.Op]:
    objs = [o if isinstance(o, tuple) else (o,) for o in s.objects or ()]
    names = [_names(o) if all(isinstance(p, ast.String) for p in o) else _sql(o[0]) for o in objs]
    kind = s.removeType
    if kind in (OT.OBJECT_TABLE, OT.OBJECT_VIEW, OT.OBJECT_MATVIEW, OT.OBJECT_FOREIGN_TABLE):
        view = "table" if kind == OT.OBJECT_TABLE else "view"
        return [ops.DropTable(n, view, bool(s.missing_ok)) for n in names]
    if kind == OT.OBJECT_INDEX:
        return [ops.DropIndex(n, None, bool(s.concurrent)) for n in names]
    if kind == OT.OBJECT_SCHEMA:
        return [ops.DropSchema(n, "schema") for n in names]
    return [ops.Other(f"DROP {kind.name.removeprefix('OBJECT_')}")]


def _dropdb(s: ast.DropdbStmt) -> list[ops.Op]:
    return [ops.DropSchema(s.dbname, "database")]


def _rename(s: ast.RenameStmt) -> list[ops.Op]:
    t = s.renameType
    if t == OT.OBJECT_COLUMN:
        return [ops.RenameColumn(_rel(s.relation), s.subname, s.newname)]
    if t in (OT.OBJECT_TABLE, OT.OBJECT_VIEW, OT.OBJECT_MATVIEW):
        return [
            ops.RenameTable(
                _rel(s.relation), s.newname, "table" if t == OT.OBJECT_TABLE else "view"
            )
        ]
    if t == OT.OBJECT_SCHEMA:
        return [ops.RenameTable(s.subname, s.newname, "schema")]
    return [
        ops.Other(f"RENAME {t.name.removeprefix('OBJECT_')}")
    ]  # indexes, constraints, sequences


def _alter_table(s: ast.AlterTableStmt) -> list[ops.Op]:
    if s.objtype != OT.OBJECT_TABLE:
        return [ops.Other(f"ALTER {s.objtype.name.removeprefix('OBJECT_')}")]
    table = _rel(s.relation)
    return [op for cmd in s.cmds or () for op in _alter_cmd(table, cmd)]


def _alter_cmd(table: str, c: ast.AlterTableCmd) -> list[ops.Op]:
    t = c.subtype
    if t == AT.AT_AddColumn:
        return [ops.AddColumn(table, column(c.def_))]
    if t == AT.AT_DropColumn:
        return [ops.DropColumn(table, c.name)]
    if t == AT.AT_AlterColumnType:
        return [
            ops.AlterColumnType(
                table, c.name, coltype(c.def_.typeName), c.def_.raw_default is not None
            )
        ]
    if t == AT.AT_SetNotNull:
        return [ops.SetNotNull(table, c.name)]
    if t == AT.AT_DropNotNull:
        return [ops.DropNotNull(table, c.name)]
    if t == AT.AT_AddConstraint:
        return [_constraint(table, c.def_)]
    if t == AT.AT_ValidateConstraint:
        return [ops.ValidateConstraint(table, c.name)]
    if t == AT.AT_ColumnDefault and c.def_ is None:
        return [ops.DropDefault(table, c.name)]
    if t == AT.AT_SetTableSpace:
        return [ops.CopyTable(table, "SET TABLESPACE copies the table's files")]
    if t in _HARMLESS_AT:
        return [ops.Other(t.name)]
    return [
        ops.Unknown(
            f"ALTER TABLE subcommand {t.name.removeprefix('AT_')} is not classified by the gate"
        )
    ]


_CONSTRAINT_KINDS = {
    CT.CONSTR_UNIQUE: "unique",
    CT.CONSTR_PRIMARY: "primary",
    CT.CONSTR_FOREIGN: "foreign",
    CT.CONSTR_CHECK: "check",
    CT.CONSTR_EXCLUSION: "exclude",
}


def _constraint(table: str, k: ast.Constraint, on_domain: bool = False) -> ops.Op:
    kind = _CONSTRAINT_KINDS.get(k.contype)
    if kind is None:
        return ops.Unknown(f"constraint type {k.contype.name} is not classified by the gate")
    return ops.AddConstraint(
        table,
        kind,
        k.conname,
        bool(k.skip_validation),
        bool(k.indexname),
        on_domain,
        pglast_key_columns(k.keys),
    )


def _alter_domain(s: ast.AlterDomainStmt) -> list[ops.Op]:
    if s.subtype == "C" and isinstance(s.def_, ast.Constraint):
        return [_constraint(_names(s.typeName), s.def_, on_domain=True)]
    return [ops.Other("ALTER DOMAIN")]


def _alter_enum(s: ast.AlterEnumStmt) -> list[ops.Op]:
    name = _names(s.typeName)
    if s.oldVal:
        return [ops.EnumRenameValue(name, s.oldVal, s.newVal)]
    return [ops.EnumAddValue(name, s.newVal, s.newValNeighbor is not None)]


def _truncate(s: ast.TruncateStmt) -> list[ops.Op]:
    cascade = s.behavior == DropBehavior.DROP_CASCADE
    return [ops.Truncate(_rel(r), cascade) for r in s.relations]


def _write(s) -> list[ops.Op]:
    kind = "update" if isinstance(s, ast.UpdateStmt) else "delete"
    where = s.whereClause
    return [
        ops.Write(
            kind,
            _rel(s.relation),
            where is not None,
            where is not None and bounded_where(where),
            pglast_pinned(where),
        )
    ]


def _insert(s: ast.InsertStmt) -> list[ops.Op]:
    select = s.selectStmt
    from_select = isinstance(select, ast.SelectStmt) and select.valuesLists is None
    return [ops.Insert(_rel(s.relation), from_select)]


def _reindex(s: ast.ReindexStmt) -> list[ops.Op]:
    concurrent = any(
        isinstance(p, ast.DefElem) and p.defname == "concurrently" for p in s.params or ()
    )
    target = _rel(s.relation) if s.relation is not None else (s.name or "?")
    return [ops.Reindex(target, concurrent)]


_HANDLERS = {
    ast.CreateStmt: _create,
    ast.CreateTableAsStmt: _create_as,
    ast.IndexStmt: _index,
    ast.DropStmt: _drop,
    ast.DropdbStmt: _dropdb,
    ast.RenameStmt: _rename,
    ast.AlterTableStmt: _alter_table,
    ast.AlterDomainStmt: _alter_domain,
    ast.AlterEnumStmt: _alter_enum,
    ast.TruncateStmt: _truncate,
    ast.UpdateStmt: _write,
    ast.DeleteStmt: _write,
    ast.InsertStmt: _insert,
    ast.ReindexStmt: _reindex,
}
