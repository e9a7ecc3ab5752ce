"""The pretend-output parser on output captured from Laravel 8.83 against MariaDB 10.11 and
PostgreSQL 15."""

from __future__ import annotations

from pathlib import Path

from deploytool.migrations.pretend import (
    UNATTRIBUTED,
    PendingStatement,
    class_to_file,
    migration_class,
    migrations_from_pretend,
    parse_pretend,
)

CAPTURED = Path(__file__).parent / "captured"
FILES = [
    "2024_02_01_000000_drop_legacy_column.php",
    "2024_03_01_000000_rename_name.php",
    "2024_04_01_000000_widen.php",
    "2024_06_01_000000_rename_nick.php",
]


def captured(name: str) -> str:
    return (CAPTURED / name).read_text()


def test_multi_line_statement_and_bindings():
    stmts = parse_pretend(captured("postgres.txt"))
    assert stmts[2] == PendingStatement(
        "DropLegacyColumn", "update users\n set name = 'x'\n where id = 1"
    )
    assert stmts[3].sql == 'update "users" set "name" = ? where "id" = ?'
    assert [s.migration for s in stmts].count("More") == 5
    assert all(s.sql for s in stmts)


def test_noise_before_first_statement_is_ignored():
    assert parse_pretend("Migration table created successfully.\nNothing to migrate.\n") == []


def test_failed_dump_line_is_unknown():
    stmts = parse_pretend(captured("mariadb_dbal.txt"))
    last = stmts[-1]
    assert last.migration == "RenameNick" and last.sql is None and "failed to dump" in last.note
    assert (
        stmts[-2].migration == "2024_04_01_000000_widen"
    )  # anonymous migrations print their file name


def test_fatal_error_without_names_is_unattributed():
    stmts = parse_pretend(captured("mariadb_no_dbal.txt"))
    assert [s.sql is None for s in stmts] == [False] * 4 + [True]
    assert stmts[-1].migration == UNATTRIBUTED
    assert 'Class "Doctrine\\DBAL\\Driver\\AbstractMySQLDriver" not found' in stmts[-1].note
    assert "doctrine/dbal" in stmts[-1].note


def test_fatal_error_is_attributed_to_the_next_pending_migration():
    stmts = parse_pretend(captured("mariadb_no_dbal.txt"), FILES)
    assert [(s.migration, s.sql is None) for s in stmts[-3:]] == [
        ("2024_03_01_000000_rename_name", True),
        ("2024_04_01_000000_widen", True),
        ("2024_06_01_000000_rename_nick", True),
    ]
    assert "not reached" in stmts[-1].note


def test_boxed_message_is_unwrapped_mid_word():
    stmts = parse_pretend(captured("mariadb_change_no_dbal.txt"), FILES[2:3])
    assert stmts == [PendingStatement("2024_04_01_000000_widen", None, stmts[0].note)]
    assert "requires Doctrine DBAL. Please install the doctrine/dbal package." in stmts[0].note


def test_names_restrict_prefixes():
    out = "DropLegacyColumn: update t\nNote: set a = 1\n where id = 1\n"
    assert parse_pretend(out, FILES)[0].sql == "update t\nNote: set a = 1\n where id = 1"


def test_ansi_colours_are_stripped():
    out = "\x1b[32mDropLegacyColumn:\x1b[39m alter table `users` drop `legacy`\n"
    assert parse_pretend(out) == [
        PendingStatement("DropLegacyColumn", "alter table `users` drop `legacy`")
    ]


def test_class_to_file():
    assert migration_class("2024_01_01_000000_drop_legacy_column.php") == "DropLegacyColumn"
    assert class_to_file(
        ["DropLegacyColumn", "2024_04_01_000000_widen", "Database\\Migrations\\RenameName", "Nope"],
        FILES,
    ) == {
        "DropLegacyColumn": FILES[0],
        "2024_04_01_000000_widen": FILES[2],
        "Database\\Migrations\\RenameName": FILES[1],
    }


def test_migrations_from_pretend_groups_by_file():
    migs = migrations_from_pretend(captured("mariadb_dbal.txt"), FILES, {FILES[1]: "<?php // src"})
    assert [m.name for m in migs] == [f.removesuffix(".php") for f in FILES]
    assert len(migs[0].statements) == 4
    assert migs[1].statements == ("ALTER TABLE users CHANGE name full_name VARCHAR(50) NOT NULL",)
    assert migs[1].source == "<?php // src"
    assert migs[3].statements == (None,) and "failed to dump" in migs[3].notes[0]


def test_failed_dump_of_an_anonymous_migration_is_its_files():
    # Migrator::pretendToRun's catch names the migration by get_class(): for an anonymous class
    # PHP's `<parent>@anonymous<NUL><file>:<line>$<n>`, not the file stem its queries print
    for nul in ("\x00", "\\", ""):
        out = (
            f"Illuminate\\Database\\Migrations\\Migration@anonymous{nul}/app/database/migrations/"
            "2024_04_01_000000_widen.php:9$0: failed to dump queries. This may be due to changing "
            "database columns using Doctrine, which is not supported while pretending to run "
            "migrations.\n"
        )
        migs = migrations_from_pretend(out, FILES)
        assert migs[2].statements == (None,) and "failed to dump" in migs[2].notes[0], nul
        assert len(migs) == len(FILES), "nothing unattributed"


def test_a_class_declared_in_another_case_is_its_file():
    # seat-inventory's 2022_11_08_000020_AddPrimaryKeys.php declares `class AddprimaryKeys`:
    # PHP's class names are case-insensitive, Laravel loads it as AddPrimaryKeys, and pretend
    # prints the declared name. Before, its statements were dropped as noise, and the renames
    # they held passed unjudged.
    files = ["2022_11_08_000020_AddPrimaryKeys.php"]
    out = "AddprimaryKeys: rename table `a` to `b`\n"
    (m,) = migrations_from_pretend(out, files)
    assert m.statements == ("rename table `a` to `b`",)
    assert class_to_file(["AddprimaryKeys"], files) == {"AddprimaryKeys": files[0]}
