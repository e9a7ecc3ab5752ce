"""Whether a column default is computed per row (a table rewrite on PostgreSQL, a copy on MariaDB),
as the sqlglot reader decides it. On MariaDB the list was measured function by function
(tests/migrations_real/test_measured_facts.py checks the same on the real servers). PostgreSQL's
functions sqlglot does not model are Anonymous nodes, whose sql_name() is "ANONYMOUS": the reader
(PostgreSQL's fallback where pglast cannot parse) must go by the function's own name."""

from __future__ import annotations

import pytest
from sqlglot import parse_one

from deploytool.migrations.read_sqlglot_values import READ, default

CASES = [
    ("pgsql", "statement_timestamp()", False),  # stable, and an Anonymous node in sqlglot
    ("pgsql", "transaction_timestamp()", False),
    ("pgsql", "now()", False),
    ("pgsql", "clock_timestamp()", True),
    ("pgsql", "random()", True),
    ("mysql", "(json_array())", False),
    ("mysql", "('Edit submission')", False),
    ("mysql", "(now())", False),
    ("mysql", "(uuid())", True),
    ("mysql", "(concat(uuid(), 'x'))", True),
    ("mysql", "(sysdate())", True),
]


@pytest.mark.parametrize("dialect, expr, volatile", CASES, ids=[f"{d}-{e}" for d, e, _ in CASES])
def test_a_default_is_per_row_only_for_the_functions_that_are(dialect, expr, volatile):
    e = parse_one(f"select {expr}", read=READ[dialect]).expressions[0]
    assert default(e, dialect).volatile is volatile
