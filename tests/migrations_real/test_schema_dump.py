"""`--schema FILE` on real dumps: Laravel's `schema:dump` and the plain dump tools, produced here
from real MariaDB and PostgreSQL, read into the same schema the catalog probe reads.

A Laravel 8 app migrates a schema with every kind of column the rules care about (lengths,
nullability, defaults, unique keys, composite keys); then `php artisan schema:dump` (mysqldump,
pg_dump -Fc) and `mariadb-dump --no-data` / `pg_dump -s` write it out. Each dump must give the
columns (type, nullability, whether a default exists) and the unique keys the catalog gives.
"""

from __future__ import annotations

import subprocess

import pytest

from deploytool.migrations.coltypes import read_type
from deploytool.migrations.live_schema import UNIQUE_QUERY, LiveSchema
from deploytool.migrations.schema_file import load_schema_file

from . import laravel_app, servers
from .laravel_app import migration

SCHEMA = migration(
    """
    Schema::create('users', function (Blueprint $t) {
        $t->id(); $t->string('name', 50); $t->string('email')->unique();
        $t->string('nick')->nullable();
        $t->integer('score')->default(0); $t->boolean('active')->default(true);
        $t->decimal('balance', 10, 2)->default(0); $t->text('bio')->nullable();
        $t->enum('state', ['new', 'done'])->default('new'); $t->json('meta')->nullable();
        $t->timestamps();
    });
    Schema::create('memberships', function (Blueprint $t) {
        $t->foreignId('user_id')->constrained(); $t->unsignedBigInteger('group_id');
        $t->string('role', 20)->default('member'); $t->primary(['user_id', 'group_id']);
        $t->unique(['role', 'group_id']);
    });""",
    "CreateSchema",
)


def _catalog(db) -> LiveSchema:
    columns = db.schema().columns
    unique = [tuple(r.split("\t")) for r in db.run(UNIQUE_QUERY[db.dialect]).splitlines() if r]
    return LiveSchema(columns, LiveSchema.from_rows([], unique).unique)


def _same(dumped: LiveSchema, catalog: LiveSchema, dialect: str) -> None:
    tables = {"users", "memberships"}
    want = {k: v for k, v in catalog.columns.items() if k[0] in tables}
    got = {k: v for k, v in dumped.columns.items() if k[0] in tables}
    assert set(got) == set(want)
    for k, info in want.items():
        g = got[k]
        assert (g.nullable, g.has_default) == (info.nullable, info.has_default), (k, g, info)
        a, b = read_type(g.type, dialect), read_type(info.type, dialect)
        assert (a.name, a.params) == (b.name, b.params) or a.name == b.name == "ENUM", (k, a, b)
    for t in tables:
        assert sorted(dumped.unique_keys(t)) == sorted(catalog.unique_keys(t)), t


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "app"
    (laravel_app.write_app(root) / "2024_01_01_000000_create_schema.php").write_text(SCHEMA)
    # schema:dump is one of the framework's artisan commands the minimal app does not load.
    boot = root / "bootstrap/app.php"
    hook = (
        "Illuminate\\Console\\Application::starting(function ($artisan) {"
        " $artisan->resolve(Illuminate\\Database\\Console\\DumpCommand::class); });\n"
    )
    boot.write_text(boot.read_text().replace("return $app;", hook + "return $app;"))
    return root


def test_mysql_dumps(app, maria_db, tmp_path):
    done = laravel_app.artisan(
        app, "mysql", maria_db.server.port, maria_db.name, "migrate", "--force"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    dumped = laravel_app.artisan(app, "mysql", maria_db.server.port, maria_db.name, "schema:dump")
    assert dumped.returncode == 0, dumped.stdout + dumped.stderr
    plain = tmp_path / "plain.sql"
    argv = ["mariadb-dump", "--no-defaults", "-h127.0.0.1", f"-P{maria_db.server.port}", "-uroot"]
    plain.write_text(
        subprocess.run(
            [*argv, "--no-data", maria_db.name],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    )
    catalog = _catalog(maria_db)
    for path in (app / "database/schema/mysql-schema.dump", plain):
        dump = load_schema_file(path)
        assert dump.dialect == "mysql" and not dump.skipped
        _same(dump.schema, catalog, "mysql")


def test_pgsql_dumps(app, pg_db, tmp_path):
    env = (app, "pgsql", pg_db.server.port, pg_db.name)
    done = laravel_app.artisan(*env, "migrate", "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    dumped = laravel_app.artisan(*env, "schema:dump")
    assert dumped.returncode == 0, dumped.stdout + dumped.stderr
    custom = app / "database/schema/pgsql-schema.dump"
    assert custom.read_bytes().startswith(b"PGDMP")  # Laravel 8 writes pg_dump -Fc
    plain = tmp_path / "plain.sql"
    pg_dump = str(servers.PG_BIN / "pg_dump")
    plain.write_text(
        subprocess.run(
            [
                pg_dump,
                "-s",
                "-h",
                "127.0.0.1",
                "-p",
                str(pg_db.server.port),
                "-U",
                "postgres",
                pg_db.name,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    )
    catalog = _catalog(pg_db)
    for path in (custom, plain):
        dump = load_schema_file(path)
        assert dump.dialect == "pgsql" and not dump.skipped, dump.skipped
        _same(dump.schema, catalog, "pgsql")
