"""PostgreSQL values inside statements, through pglast: column definitions and their types,
defaults (and whether PostgreSQL computes them per existing row), and the WHERE shapes that pin a
write to a few rows. read_pglast.py reads the statements that contain them.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, SubLinkType
from pglast.enums import ConstrType as CT
from pglast.stream import RawStream

from . import ops
from .coltypes import read_type

# Functions PostgreSQL marks STABLE or IMMUTABLE that migrations use as defaults; any other
# function is treated as possibly VOLATILE, which makes ADD COLUMN rewrite the table.
_NOT_VOLATILE = {
    "now",
    "statement_timestamp",
    "transaction_timestamp",
    "current_setting",
    "lower",
    "upper",
    "concat",
    "to_json",
    "to_jsonb",
    "json_build_object",
    "jsonb_build_object",
    "json_build_array",
    "jsonb_build_array",
    "make_interval",
    "to_timestamp",
    "date_trunc",
    "length",
    "array_length",
}


_VOLATILE_NOTE = {
    "gen_random_uuid",
    "uuid_generate_v4",
    "uuid_generate_v1",
    "random",
    "clock_timestamp",
    "timeofday",
    "nextval",
}


_KEY_COLUMNS = {"id", "uuid", "ctid"}
# ALTER TABLE subcommands that neither break old code nor hold a long lock.


def _sql(node) -> str:
    try:
        return RawStream()(node)
    except Exception:  # printing is cosmetic; never let it fail a check
        return type(node).__name__


def coltype(t: ast.TypeName):
    name = t.names[-1].sval if t.names else "?"
    mods = [
        str(m.val.ival)
        for m in t.typmods or ()
        if isinstance(m, ast.A_Const) and hasattr(m.val, "ival")
    ]
    text = f"{name}({','.join(mods)})" if mods else name
    return read_type(text + ("[]" if t.arrayBounds else ""), "pgsql")


def column(d: ast.ColumnDef) -> ops.Column:
    type_name = d.typeName.names[-1].sval if d.typeName and d.typeName.names else ""
    col = {
        "name": d.colname,
        "type": coltype(d.typeName) if d.typeName else None,
        "auto_increment": type_name
        in ("serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"),
        "not_null": bool(d.is_not_null),
    }
    for k in d.constraints or ():
        ct = k.contype
        if ct == CT.CONSTR_NOTNULL:
            col["not_null"] = True
        elif ct == CT.CONSTR_DEFAULT:
            col["default"] = default(k.raw_expr)
        elif ct == CT.CONSTR_PRIMARY:
            col["primary_key"] = True
        elif ct == CT.CONSTR_UNIQUE:
            col["unique"] = True
        elif ct == CT.CONSTR_FOREIGN:
            col["references"] = True
        elif ct == CT.CONSTR_CHECK:
            col["check"] = True
        elif ct == CT.CONSTR_IDENTITY:
            col["auto_increment"] = True
        elif ct == CT.CONSTR_GENERATED:
            col["generated_stored"] = True  # PostgreSQL 15 only has STORED generated columns
    return ops.Column(**col)


def default(expr) -> ops.Default:
    sql = _sql(expr)
    for node in _walk(expr):
        if isinstance(node, ast.FuncCall):
            fname = node.funcname[-1].sval.lower()
            if fname in _VOLATILE_NOTE:
                return ops.Default(
                    sql,
                    True,
                    f"{fname}() is VOLATILE: PostgreSQL computes it for every existing row",
                )
            if fname not in _NOT_VOLATILE:
                return ops.Default(
                    sql,
                    True,
                    f"{fname}() may be VOLATILE; if it is, every existing row is rewritten",
                )
    return ops.Default(sql, False)


def _walk(node):
    """Every node below node (pglast nodes, tuples of them), depth first."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, tuple):
            stack.extend(n)
        elif isinstance(n, ast.Node):
            yield n
            stack.extend(
                v
                for v in (getattr(n, a, None) for a in n.__slots__)
                if isinstance(v, (ast.Node, tuple))
            )


def _key_col(e) -> bool:
    return (
        isinstance(e, ast.ColumnRef)
        and isinstance(e.fields[-1], ast.String)
        and e.fields[-1].sval.lower() in _KEY_COLUMNS
    )


def bounded_where(w) -> bool:
    conjuncts = (
        w.args if isinstance(w, ast.BoolExpr) and w.boolop == BoolExprType.AND_EXPR else (w,)
    )
    lower = upper = False
    for c in conjuncts:
        if (
            isinstance(c, ast.SubLink)
            and c.subLinkType == SubLinkType.ANY_SUBLINK
            and _key_col(c.testexpr)
        ):
            if isinstance(c.subselect, ast.SelectStmt) and c.subselect.limitCount is not None:
                return True
        if not (isinstance(c, ast.A_Expr) and _key_col(c.lexpr)):
            continue
        if c.kind in (A_Expr_Kind.AEXPR_IN, A_Expr_Kind.AEXPR_BETWEEN):
            return True
        op = c.name[-1].sval if c.kind == A_Expr_Kind.AEXPR_OP else ""
        if op == "=":
            return True
        lower = lower or op in (">", ">=")
        upper = upper or op in ("<", "<=")
    return lower and upper
