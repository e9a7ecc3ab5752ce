"""Raw .sql migrations, the pure half: the client command per database URL, versions, the parser,
and the inventory keys (located errors, the URL and its password as secrets). The remote script
runs against real MariaDB, PostgreSQL and SQLite in tests/migrations_real/test_raw_sql.py."""

from __future__ import annotations

import base64

import pytest

from deploytool.config import load_inventory
from deploytool.errors import ConfigError
from deploytool.probes import raw_migrations as raw
from deploytool.shell import render
from tests.unit.config.test_inventory import GOOD, write

S = "\x1f"


def test_mysql_client_takes_the_password_from_its_environment_never_argv():
    c = raw.client("mysql://app:p%40ss%3Bw@db.internal:3307/shop", "schema_migrations", "version")
    assert c.dialect == "mysql" and c.env == {"MYSQL_PWD": "p@ss;w"}
    assert c.argv == (
        "mysql",
        "--batch",
        "--skip-column-names",
        "--host",
        "db.internal",
        "--port",
        "3307",
        "--user",
        "app",
        "--execute",
        "SELECT `version` FROM `schema_migrations`",
        "shop",
    )
    assert not any("p@ss" in a for a in c.argv)


def test_postgres_and_sqlite_clients_quote_schema_qualified_names():
    c = raw.client("postgresql://app:pw@db/shop", "meta.applied", "name")
    assert c.dialect == "pgsql" and c.env == {"PGPASSWORD": "pw"}
    assert (
        c.argv[-2:] == ("-c", 'SELECT "name" FROM "meta"."applied"')
        and ("-d", "shop") == c.argv[-4:-2]
    )
    s = raw.client("sqlite:////var/lib/app/db.sqlite3", "schema_migrations", "version")
    assert (
        s.argv
        == (
            "sqlite3",
            "-batch",
            "-noheader",
            "/var/lib/app/db.sqlite3",
            'SELECT "version" FROM "schema_migrations"',
        )
        and s.env == {}
    )


def test_a_file_is_applied_by_its_stem_or_its_leading_version():
    assert raw.versions("20240101120000_add_email.sql") == {
        "20240101120000_add_email",
        "20240101120000",
    }
    assert raw.versions("init.sql") == {"init"}
    out = "\n".join(
        [
            f"A{S}20240101120000",
            f"A{S}002_widgets",
            *(
                f"F{S}{n}{S}{base64.b64encode(t.encode()).decode()}"
                for n, t in [
                    ("20240101120000_add_email.sql", "alter table users add column email text;"),
                    ("002_widgets.sql", "create table widgets (id int);"),
                    ("003_drop.sql", "-- note\nalter table users drop column name;"),
                ]
            ),
        ]
    )
    found = raw.parse(out + "\n")
    assert found.table_exists and found.applied == {"20240101120000", "002_widgets"}
    assert found.pending() == (("003_drop.sql", "-- note\nalter table users drop column name;"),)


def test_a_missing_table_means_nothing_is_applied():
    found = raw.parse(f"T\nF{S}001_a.sql{S}{base64.b64encode(b'select 1;').decode()}\n")
    assert not found.table_exists and [n for n, _ in found.pending()] == ["001_a.sql"]


def test_the_command_is_one_script_with_the_clients_env_and_the_password_is_a_secret(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("APP_DB_URL", "postgres://app:hunter2@db/shop")
    inv = load_inventory(
        write(
            tmp_path,
            GOOD.replace(
                "  deploy_path: /var/www/app\n",
                """\
  deploy_path: /var/www/app
  migrations: {sql_dir: db/migrations, database_url: "${env:APP_DB_URL}"}
""",
            ),
        )
    )
    m = inv.application.migrations
    assert m.sql_dir == "db/migrations" and str(m.database_url) == "postgres://app:hunter2@db/shop"
    assert "hunter2" in inv.secrets() and "postgres://app:hunter2@db/shop" in inv.secrets()
    c = raw.command(m.sql_dir, raw.client(str(m.database_url), m.sql_table, m.sql_column), "/r/1")
    shown = render(c, inv.secrets())
    assert (
        "hunter2" not in shown
        and "PGPASSWORD=***" in shown
        and shown.startswith("(cd /r/1 && env ")
    )


@pytest.mark.parametrize(
    "snippet, expected",
    [
        (
            "migrations: {sql_dir: db/sql}",
            "inventory.yml:5:25: application.migrations.sql_dir: needs "
            "application.migrations.database_url",
        ),
        (
            "migrations: {sql_dir: db/sql, database_url: 'oracle://x/y'}",
            "inventory.yml:5:47: application.migrations.database_url: expected mysql://",
        ),
        (
            "migrations: {sql_dir: db/sql, database_url: 'sqlite:///x', sql_table: 'x; drop'}",
            "application.migrations.sql_table: expected a table or column name",
        ),
        (
            "migrations: {sql_dir: db/sql, database_url: '${env:DT_BAD_URL}'}",
            "application.migrations.database_url: environment variable DT_BAD_URL does not hold a mysql://",
        ),
    ],
)
def test_raw_migration_keys_are_checked_with_locations(tmp_path, monkeypatch, snippet, expected):
    monkeypatch.setenv("DT_BAD_URL", "http://not-a-database/")
    with pytest.raises(ConfigError) as e:
        load_inventory(
            write(
                tmp_path,
                GOOD.replace(
                    "  deploy_path: /var/www/app\n", f"  deploy_path: /var/www/app\n  {snippet}\n"
                ),
            )
        )
    text = "\n".join(e.value.problems)
    assert expected in text, text
    assert "not-a-database" not in text
