"""Laravel 8's real `migrate --pretend --force` against real MariaDB and PostgreSQL, through the
gate.

The app is a minimal Laravel 8.83 app written by the test (Debian's framework, no composer); the
base migration runs for real, the pending ones only pretend. The gate gets the live schema the
way the pipeline's probe would, so widenings are judged against the real column types.
"""

from __future__ import annotations

import pytest

from deploytool.migrations.check import check
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.pretend import migrations_from_pretend

from . import laravel_app
from .laravel_app import migration

BASE = {
    "2024_01_01_000000_create_base_tables.php": migration(
        """
        Schema::create('users', function (Blueprint $t) {
            $t->id(); $t->string('name', 50); $t->string('title', 100); $t->string('email');
            $t->string('legacy')->nullable(); $t->boolean('old_flag')->default(false);
            $t->timestamps();
        });
        Schema::create('logs', function (Blueprint $t) { $t->id(); $t->text('msg'); });""",
        "CreateBaseTables",
    )
}

PENDING = {
    "2024_02_01_000000_add_nick_drop_legacy.php": migration(
        """
        Schema::table('users', function (Blueprint $t) {
            $t->string('nick')->nullable(); $t->dropColumn('legacy');
        });
        DB::statement("update users\\n set name = 'x'\\n where id = 1");
        DB::table('users')->where('id', 5)->update(['name' => 'y']);""",
        "AddNickDropLegacy",
    ),
    "2024_02_02_000000_drop_old_flag.php": migration(
        "        Schema::table('users', function (Blueprint $t) { $t->dropColumn('old_flag'); });",
        head="// deploytool: allow drop-column -- unused since release 41",
    ),
    "2024_02_03_000000_widen_names.php": migration(
        """
        Schema::table('users', function (Blueprint $t) {
            $t->string('name', 100)->change(); $t->string('title', 200)->change();
        });""",
        "WidenNames",
    ),
    "2024_02_04_000000_rename_title.php": migration(
        (
            "        Schema::table('users', function (Blueprint $t) { $t->renameColumn('title', "
            "'headline'); });"
        ),
        "RenameTitle",
    ),
    "2024_02_05_000000_rename_nick.php": migration(
        (
            "        Schema::table('users', function (Blueprint $t) { $t->renameColumn('nick', "
            "'nickname'); });"
        ),
        "RenameNick",
    ),
    "2024_02_06_000000_email_indexes.php": migration(
        (
            "        Schema::table('users', function (Blueprint $t) { $t->index('email'); "
            "$t->unique('email'); });"
        ),
        "EmailIndexes",
    ),
    "2024_02_07_000000_create_widgets.php": migration(
        """
        Schema::create('widgets', function (Blueprint $t) {
            $t->id(); $t->string('label')->nullable();
        });
        Schema::table('widgets', function (Blueprint $t) {
            $t->integer('size'); $t->dropColumn('label');
        });""",
        "CreateWidgets",
    ),
    "2024_02_09_000000_truncate_logs.php": migration(
        "        DB::table('logs')->truncate();", "TruncateLogs"
    ),
    "2024_02_10_000000_rename_logs.php": migration(
        "        Schema::rename('logs', 'audit_logs');", "RenameLogs"
    ),
}

PG_ONLY = {
    "2024_02_08_000000_concurrent_index_in_txn.php": migration(
        "        DB::statement('create index concurrently users_name_idx on users (name)');",
        "ConcurrentIndexInTxn",
    ),
    "2024_02_08_000001_concurrent_index.php": migration(
        "        DB::statement('create index concurrently users_title_idx on users (title)');",
        "ConcurrentIndex",
        members="    public $withinTransaction = false;",
    ),
}

# Rule ids per pending migration (stem), per dialect.
EXPECTED = {
    "2024_02_01_000000_add_nick_drop_legacy": {"mysql": ["drop-column"], "pgsql": ["drop-column"]},
    "2024_02_02_000000_drop_old_flag": {
        "mysql": ["drop-column"],
        "pgsql": ["drop-column"],
    },  # allowed
    "2024_02_03_000000_widen_names": {"mysql": ["change-column-type"], "pgsql": []},
    "2024_02_04_000000_rename_title": {"mysql": ["rename-column"], "pgsql": ["rename-column"]},
    "2024_02_05_000000_rename_nick": {
        "mysql": ["unknown-statement"],
        "pgsql": ["unknown-statement"],
    },
    "2024_02_06_000000_email_indexes": {
        "mysql": ["add-unique-constraint"],
        "pgsql": ["add-unique-constraint", "index-not-concurrently"],
    },
    "2024_02_07_000000_create_widgets": {"mysql": [], "pgsql": []},
    "2024_02_08_000000_concurrent_index_in_txn": {"pgsql": ["concurrently-in-transaction"]},
    "2024_02_08_000001_concurrent_index": {"pgsql": []},
    "2024_02_09_000000_truncate_logs": {"mysql": ["truncate"], "pgsql": ["truncate"]},
    "2024_02_10_000000_rename_logs": {"mysql": ["rename-table"], "pgsql": ["rename-table"]},
}


def app_with(tmp_path, db, pending: dict[str, str], dbal: bool):
    root = tmp_path / "app"
    migrations = laravel_app.write_app(root)
    for name, text in BASE.items():
        (migrations / name).write_text(text)
    done = laravel_app.artisan(root, db.connection, db.server.port, db.name, "migrate", "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    for name, text in pending.items():
        (migrations / name).write_text(text)
    out = laravel_app.artisan(
        root, db.connection, db.server.port, db.name, "migrate", "--pretend", "--force", dbal=dbal
    )
    files = sorted(pending)
    return out, migrations_from_pretend(out.stdout + out.stderr, files, pending)


@pytest.mark.skipif(not laravel_app.has_dbal(), reason="php-doctrine-dbal is not installed")
def test_real_pretend_through_the_gate(tmp_path, any_db):
    pending = {**PENDING, **(PG_ONLY if any_db.dialect == "pgsql" else {})}
    out, migrations = app_with(tmp_path, any_db, pending, dbal=True)
    assert out.returncode == 0, out.stdout + out.stderr
    by_name = {m.name: m for m in migrations}

    first = by_name["2024_02_01_000000_add_nick_drop_legacy"]
    assert len(first.statements) == 4
    assert first.statements[2] == "update users\n set name = 'x'\n where id = 1"
    assert first.statements[3].replace('"', "`") == "update `users` set `name` = ? where `id` = ?"
    assert by_name["2024_02_05_000000_rename_nick"].statements == (None,)
    assert "failed to dump" in by_name["2024_02_05_000000_rename_nick"].notes[0]

    report = check(migrations, any_db.dialect, MigrationPolicy(), any_db.schema())
    for name, expected in EXPECTED.items():
        if any_db.dialect in expected:
            found = sorted(f.rule for f in report.for_migration(name))
            assert found == sorted(expected[any_db.dialect]), (
                name,
                [f.why for f in report.for_migration(name)],
            )

    drop_legacy = report.for_migration("2024_02_01_000000_add_nick_drop_legacy")[0]
    assert (
        drop_legacy.statement_index == 2
        and drop_legacy.severity == "block"
        and not drop_legacy.allowed
    )
    allowed = report.for_migration("2024_02_02_000000_drop_old_flag")[0]
    assert allowed.allowed and allowed.allow_reason == "unused since release 41"
    if any_db.dialect == "pgsql":
        assert "CASCADE" in report.for_migration("2024_02_09_000000_truncate_logs")[0].why
    assert report.blocked


def test_real_pretend_without_doctrine_dbal(tmp_path, any_db):
    """Debian's Laravel without php-doctrine-dbal: renameColumn() ends the pretend run with an
    error. That migration and every later one are unknown to pretend; the gate reads their
    Blueprint calls from the source instead (the rename blocks) and says pretend stopped."""
    names = [
        "2024_02_01_000000_add_nick_drop_legacy.php",
        "2024_02_04_000000_rename_title.php",
        "2024_02_10_000000_rename_logs.php",
    ]
    out, migrations = app_with(tmp_path, any_db, {n: PENDING[n] for n in names}, dbal=False)
    assert out.returncode != 0
    first, failed, later = migrations
    assert len(first.statements) == 4
    assert failed.statements == (None,) and "doctrine/dbal" in failed.notes[0]
    assert later.statements == (None,) and "not reached" in later.notes[0]
    report = check(migrations, any_db.dialect, MigrationPolicy())
    found = {(f.rule, f.severity) for f in report.for_migration(failed.name)}
    assert found == {("pretend-stopped", "warn"), ("rename-column", "block")}, found
    assert report.blocked
