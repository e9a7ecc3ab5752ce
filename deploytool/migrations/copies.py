"""Statements that copy a whole table, and column defaults dropped, in either parser's tree.

Table copies the gate must see even when the change itself looks harmless: MySQL's explicit
`ALGORITHM=COPY`, `ENGINE=…`, `FORCE`, `CONVERT TO CHARACTER SET` and `OPTIMIZE TABLE` (InnoDB
rebuilds the table; writes wait, or with COPY are refused); PostgreSQL's `VACUUM FULL`, `CLUSTER`
and `SET TABLESPACE` (rewrite under ACCESS EXCLUSIVE). sqlglot leaves the last two MySQL forms
unstructured, so they are matched on the text before parsing.
"""

from __future__ import annotations

import re

from sqlglot import exp

from . import ops

_MYSQL_TEXT = (
    (
        re.compile(
            r"^\s*alter\s+table\s+([`\"\w.]+)\s+convert\s+to\s+(?:character\s+set|charset)", re.I
        ),
        "CONVERT TO CHARACTER SET rewrites every row (ALGORITHM=COPY)",
    ),
    (
        re.compile(
            r"^\s*optimize\s+(?:no_write_to_binlog\s+|local\s+)?tables?\s+([`\"\w.]+)", re.I
        ),
        "OPTIMIZE TABLE rebuilds the table",
    ),
)


def mysql_text_copy(sql: str) -> list[ops.Op] | None:
    for rx, why in _MYSQL_TEXT:
        m = rx.match(sql)
        if m:
            return [ops.CopyTable(m.group(1).replace("`", "").replace('"', ""), why)]
    return None


def mysql_alter_copy(table: str, tree: exp.Alter) -> ops.Op | None:
    for o in tree.args.get("options") or []:
        if isinstance(o, exp.AlgorithmProperty) and o.name.upper() == "COPY":
            return ops.CopyTable(table, "ALGORITHM=COPY copies the table while writes wait")
        if isinstance(o, exp.EngineProperty):
            return ops.CopyTable(table, f"{o.sql()} rebuilds the table")
    actions = tree.args.get("actions") or []
    if any(isinstance(a, exp.ForceProperty) for a in actions):
        return ops.CopyTable(table, "FORCE rebuilds the table")
    if any(isinstance(a, exp.DropPrimaryKey) for a in actions) and not any(
        isinstance(a, exp.AddConstraint)
        and any(isinstance(e, exp.PrimaryKey) for e in a.expressions)
        for a in actions
    ):
        # Measured on MariaDB 10.11: "Dropping a primary key is not allowed without also adding
        # a new primary key" in place; Laravel's dropPrimary() is a statement of its own.
        return ops.CopyTable(
            table, "DROP PRIMARY KEY without ADD PRIMARY KEY in the same ALTER is ALGORITHM=COPY"
        )
    return None


def sqlglot_drop_default(table: str, a: exp.AlterColumn) -> ops.Op | None:
    if a.args.get("drop") and "DEFAULT" in a.sql().upper():
        return ops.DropDefault(table, a.this.name)
    return None


def pglast_copy(s) -> list[ops.Op] | None:
    """VACUUM FULL, CLUSTER: the whole table rewritten under ACCESS EXCLUSIVE."""
    from pglast import ast

    if isinstance(s, ast.VacuumStmt):
        opts = {getattr(o, "defname", "") for o in s.options or ()}
        if "full" in opts:
            rels = [r.relation for r in s.rels or () if getattr(r, "relation", None)]
            return [ops.CopyTable(_rel(r), "VACUUM FULL rewrites the table") for r in rels] or [
                ops.CopyTable("every table", "VACUUM FULL rewrites every table")
            ]
    if isinstance(s, ast.ClusterStmt):
        target = _rel(s.relation) if s.relation is not None else "every clustered table"
        return [ops.CopyTable(target, "CLUSTER rewrites the table in index order")]
    return None


def _rel(r) -> str:
    return ".".join(p for p in (r.schemaname, r.relname) if p)
