"""Which columns a WHERE pins, and which columns an index or key covers, in either parser's tree.

A data change whose WHERE fixes every column of a unique key (`where "key" = ?`, `where id in
(1, 2)`) touches a row or a few, not a table: it is a data fix, not a backfill. Only equality
and `IN (list)` count, and only in conjuncts: one OR anywhere and nothing is pinned.
"""

from __future__ import annotations

from sqlglot import exp

# pglast is imported inside its functions: MySQL and SQLite stages never pay for libpg_query.


def sqlglot_pinned(cond: exp.Expression | None) -> tuple[str, ...]:
    if cond is None or any(True for _ in cond.find_all(exp.Or)):
        return ()
    conjuncts = list(cond.flatten()) if isinstance(cond, exp.And) else [cond]
    out = []
    for c in conjuncts:
        while isinstance(c, exp.Paren):
            c = c.this
        if isinstance(c, exp.EQ):
            col, other = c.this, c.expression
            if isinstance(other, exp.Column) and not isinstance(col, exp.Column):
                col, other = other, col
            if isinstance(col, exp.Column) and not isinstance(other, exp.Column):
                out.append(col.name.lower())
        elif isinstance(c, exp.In) and isinstance(c.this, exp.Column) and not c.args.get("query"):
            out.append(c.this.name.lower())
    return tuple(out)


def sqlglot_columns(node: exp.Expression) -> tuple[str, ...]:
    return tuple(c.name.lower() for c in node.find_all(exp.Column))


def _colref(e) -> str | None:
    from pglast import ast

    if isinstance(e, ast.ColumnRef) and isinstance(e.fields[-1], ast.String):
        return e.fields[-1].sval.lower()
    return None


def pglast_pinned(w) -> tuple[str, ...]:
    from pglast import ast
    from pglast.enums import A_Expr_Kind, BoolExprType

    if w is None:
        return ()
    if isinstance(w, ast.BoolExpr):
        if w.boolop != BoolExprType.AND_EXPR:
            return ()
        conjuncts = w.args
    else:
        conjuncts = (w,)
    out = []
    for c in conjuncts:
        if isinstance(c, ast.BoolExpr):
            return ()
        if not isinstance(c, ast.A_Expr):
            continue
        name = _colref(c.lexpr) or (_colref(c.rexpr) if c.kind == A_Expr_Kind.AEXPR_OP else None)
        if name is None:
            continue
        if c.kind == A_Expr_Kind.AEXPR_IN:
            out.append(name)
        elif c.kind == A_Expr_Kind.AEXPR_OP and c.name[-1].sval == "=":
            if _colref(c.lexpr) is None or _colref(c.rexpr) is None:
                out.append(name)
    return tuple(out)


def pglast_index_columns(elems) -> tuple[str, ...]:
    from pglast import ast

    return tuple(e.name.lower() for e in elems or () if isinstance(e, ast.IndexElem) and e.name)


def pglast_key_columns(keys) -> tuple[str, ...]:
    from pglast import ast

    return tuple(k.sval.lower() for k in keys or () if isinstance(k, ast.String))
