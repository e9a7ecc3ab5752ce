"""Session fixtures for the real-database ring: one MariaDB and one PostgreSQL for the session.

Not marked `lab`: these need only the Debian packages (mariadb-server, postgresql, php-cli with
pdo_mysql/pdo_pgsql, php-laravel-framework; php-doctrine-dbal for ->change()/renameColumn()).
They are skipped, with the reason, where those are missing.
"""

from __future__ import annotations

import itertools
import subprocess

import pytest

from deploytool.migrations.live_schema import COLUMNS_QUERY, LiveSchema

from . import servers

_db_names = itertools.count(1)


def _serve(start):
    why = servers.available()
    if why:
        pytest.skip(why)
    server = start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mariadb():
    yield from _serve(servers.start_mariadb)


@pytest.fixture(scope="session")
def postgres():
    yield from _serve(servers.start_postgres)


class Database:
    """One fresh database on a running server, with a client that raises on SQL errors."""

    def __init__(self, server: servers.Server):
        self.server = server
        self.name = f"gate{next(_db_names)}"
        self.dialect = "mysql" if server.kind == "mariadb" else "pgsql"
        self.connection = self.dialect  # Laravel's connection names in the test app
        if self.dialect == "mysql":
            self.run(
                f"create database {self.name} character set utf8mb4 collate utf8mb4_unicode_ci",
                db="",
            )
        else:
            self.run(f"create database {self.name}", db="postgres")

    def client(self, sql: str, db: str | None = None) -> subprocess.CompletedProcess:
        db = self.name if db is None else db
        if self.dialect == "mysql":
            argv = [
                "mariadb",
                "--no-defaults",
                "-h127.0.0.1",
                f"-P{self.server.port}",
                "-uroot",
                "-B",
                "-N",
                *([db] if db else []),
                "-e",
                sql,
            ]
        else:
            argv = [
                str(servers.PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.server.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-At",
                "-F",
                "\t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    def run(self, sql: str, db: str | None = None) -> str:
        done = self.client(sql, db)
        if done.returncode != 0:
            raise AssertionError(f"{sql}\n{done.stderr}")
        return done.stdout

    def schema(self) -> LiveSchema:
        return LiveSchema.from_tsv(self.run(COLUMNS_QUERY[self.dialect]))


@pytest.fixture
def maria_db(mariadb) -> Database:
    return Database(mariadb)


@pytest.fixture
def pg_db(postgres) -> Database:
    return Database(postgres)


@pytest.fixture(params=["mariadb", "postgres"])
def any_db(request) -> Database:
    return Database(request.getfixturevalue(request.param))
