"""What the gate reads of a migration before any rule runs: up() only.

A PHP migration's source facts come from its up() (down()'s drops and deletes never count), and a
raw SQL file with a migration tool's markers (goose, sql-migrate, dbmate) is its up section only.
"""

from __future__ import annotations

import pytest

from deploytool.migrations.check import check
from deploytool.migrations.phpfacts import read_facts
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration


def test_facts_read_from_up_only():
    src = """<?php
    return new class extends Migration {
        public function up() {
            foreach (DB::table('users')->get() as $u) { $x = new Log(); $x->save(); }
            if (Schema::hasColumn('users', 'nick')) { DB::statement("select {$u}"); }
        }
        public function down() { Schema::drop('users'); DB::table('t')->delete(); }
    };"""
    f = read_facts(src)
    assert (f.db_loop, f.schema_conditionals, f.dynamic_statement) == (True, True, True)
    assert f.changes == ("raw",)  # down()'s drop and delete do not count; new + save inserts


@pytest.mark.parametrize(
    "up,down",
    [
        ("-- +goose Up", "-- +goose Down"),
        ("-- +migrate Up", "-- +migrate Down"),
        ("-- migrate:up", "-- migrate:down"),
    ],
)
def test_sql_file_with_tool_markers_runs_only_its_up_section(up, down):
    from deploytool.migrations.sqlfiles import split_statements

    text = (
        f"{up}\nALTER TABLE users ADD COLUMN nick text;\n\n"
        f"{down}\nALTER TABLE users DROP COLUMN nick;\n"
    )
    assert split_statements(text, "pgsql") == ["ALTER TABLE users ADD COLUMN nick text"]
    m = PendingMigration("002_nick", "002_nick.sql", tuple(split_statements(text, "pgsql")), text)
    assert not check([m], "pgsql", MigrationPolicy()).findings
