"""Properties: the gate never raises on arbitrary text, and splitting keeps every statement."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from deploytool.migrations.check import check
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.pretend import parse_pretend
from deploytool.migrations.report import PendingMigration
from deploytool.migrations.sqlfiles import split_statements

# SQL-shaped noise: keywords and the characters that open and close literals and comments.
SQLISH = st.lists(
    st.sampled_from(
        list("abcdeilnoprtuy ()`'\"$;-*/#?\n,.=0123")
        + [
            "alter table ",
            "drop ",
            "column ",
            "create index ",
            "$$",
            "/*",
            "*/",
            "--",
            "rename ",
            " to ",
            "update ",
            "set ",
            "where ",
            "change ",
            "modify ",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    sql=st.one_of(st.text(max_size=200), SQLISH),
    dialect=st.sampled_from(["mysql", "pgsql", "sqlite"]),
    source=st.one_of(st.none(), st.text(max_size=100), st.just("<?php\n// deploytool: allow")),
)
def test_check_never_raises(sql, dialect, source):
    statements = tuple(split_statements(sql, dialect)) + (sql, None)
    report = check([PendingMigration("m", "m.php", statements, source)], dialect, MigrationPolicy())
    report.to_dict()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_pretend_parser_never_raises(text):
    parse_pretend(text)
    parse_pretend(text, ["2024_01_01_000000_a.php"])


@given(
    st.lists(
        st.sampled_from(["select 1", "update t set a = 'x;y'", "-- c;\nselect 2", "select $$;$$"]),
        max_size=6,
    )
)
def test_split_keeps_statements(parts):
    assert split_statements(";\n".join(parts), "pgsql") == parts
