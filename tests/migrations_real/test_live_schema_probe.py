"""The live-schema probe on real MariaDB, PostgreSQL and SQLite: through a Laravel app's own
connection (PHP) and through the database client a raw-SQL app configures (database_url); both
must read what the catalog holds: types, nullability, defaults, unique keys, row estimates.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess

import pytest

from deploytool.migrations.live_schema import UNIQUE_QUERY
from deploytool.probes import live_schema, raw_migrations

from . import laravel_app
from .laravel_app import migration

TABLES = migration(
    """
    Schema::create('accounts', function (Blueprint $t) {
        $t->id(); $t->string('email', 80)->unique(); $t->string('plan')->default('free');
        $t->integer('visits')->nullable();
    });
    DB::table('accounts')->insert([['email' => 'a@x', 'visits' => 1],
        ['email' => 'b@x', 'visits' => 2]]);""",
    "CreateAccounts",
)


def _run(cmd) -> str:
    done = subprocess.run(
        list(cmd.argv),
        cwd=cmd.cwd,
        env={**os.environ, **cmd.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _check(schema, dialect: str) -> None:
    email, plan, visits = (schema.column("accounts", c) for c in ("email", "plan", "visits"))
    assert email.nullable is False and email.has_default is False
    assert dialect == "sqlite" or "80" in email.type  # Laravel types SQLite text unsized
    assert plan.has_default and "free" in plan.default and plan.nullable is False
    assert visits.nullable is True and visits.has_default is False
    assert ("email",) in schema.unique_keys("accounts")
    assert ("id",) in schema.unique_keys("accounts")
    if dialect != "sqlite":
        assert schema.row_estimate("accounts") == 2


def _app(tmp_path, connection, port, database):
    root = tmp_path / "app"
    (laravel_app.write_app(root) / "2024_01_01_000000_create_accounts.php").write_text(TABLES)
    done = laravel_app.artisan(root, connection, port, database, "migrate", "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    return root, {"DB_CONNECTION": connection, "DB_PORT": str(port), "DB_DATABASE": database}


@pytest.mark.parametrize("kind", ["mariadb", "postgres"])
def test_probe_on_servers(kind, request, tmp_path):
    from .conftest import Database

    db = Database(request.getfixturevalue(kind))
    if db.dialect == "pgsql":
        db.run("select 1")  # statistics for a young table come from pg_stat_user_tables
    root, env = _app(tmp_path, db.connection, db.server.port, db.name)
    driver, schema, error = live_schema.parse(_run(live_schema.php_command("php", str(root), env)))
    assert error is None and live_schema.dialect_of_driver(driver) == db.dialect
    _check(schema, db.dialect)
    scheme = "mysql" if db.dialect == "mysql" else "postgresql"
    user = "root" if db.dialect == "mysql" else "postgres"
    url = f"{scheme}://{user}@127.0.0.1:{db.server.port}/{db.name}"
    client = raw_migrations.client(url, "migrations", "migration")
    _, via_client, error = live_schema.parse(_run(live_schema.client_command(client, str(root))))
    assert error is None
    _check(via_client, db.dialect)
    rows = [r.split("\t") for r in db.run(UNIQUE_QUERY[db.dialect]).splitlines()]
    assert {tuple(r[2].split(",")) for r in rows if r[0] == "accounts"} == set(
        via_client.unique_keys("accounts")
    )


def test_probe_on_sqlite(tmp_path):
    path = tmp_path / "db.sqlite"
    path.touch()
    root, env = _app(tmp_path, "sqlite", 0, str(path))
    _, schema, error = live_schema.parse(_run(live_schema.php_command("php", str(root), env)))
    assert error is None
    _check(schema, "sqlite")
    client = raw_migrations.client(f"sqlite:///{path}", "migrations", "migration")
    _, via_client, error = live_schema.parse(_run(live_schema.client_command(client, str(root))))
    assert error is None
    _check(via_client, "sqlite")
    assert sqlite3.connect(path).execute("select count(*) from accounts").fetchone() == (2,)


def test_probe_reports_a_failed_query():
    driver, schema, error = live_schema.parse("D\tmysql\nC\tt\tc\tint\tNO\nE\tAccess denied\n")
    assert (driver, schema, error) == ("mysql", None, "Access denied")
