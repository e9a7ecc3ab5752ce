"""Raw .sql migrations against real databases: the check-migrations step, for an app that is not
Laravel, reads the pending files from the release and the applied versions from the app's table
with the real client (mysql, psql, sqlite3), and blocks a pending DROP COLUMN.

The step's command runs through a transport that executes the rendered shell text locally: the same
text a host would run over SSH, against a real MariaDB, PostgreSQL and SQLite database.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from deploytool.config.model import (
    Application,
    Host,
    Inventory,
    MigrationSettings,
    Secret,
    SSHSettings,
    Stage,
)
from deploytool.errors import DeployError, MigrationBlocked
from deploytool.events import Bus, CommandRan, Recorder, StepOutput
from deploytool.pipeline import Context
from deploytool.shell import render
from deploytool.steps import check_migrations
from deploytool.transport.base import Result

FILES = {
    "20240101000000_create_users.sql": (
        "create table users (id int primary key, name varchar(50));\n"
    ),
    "20240201000000_add_email.sql": "-- expand: a nullable column the old code ignores\n"
    "alter table users add column email varchar(100);\n",
    "20240301000000_drop_name.sql": "alter table users drop column name;\n",
}
ALLOW = "-- deploytool: allow drop-column -- nothing has read users.name since release 41\n"


class LocalShell:
    """Runs the rendered command text with sh, here: what the host would run."""

    marker = ""

    def run(self, host, command, *, timeout, step="", marked=True, on_output=None):
        t0 = time.monotonic()
        done = subprocess.run(
            ["sh", "-c", render(command)], capture_output=True, text=True, timeout=timeout
        )
        return Result(host.name, done.returncode, done.stdout, done.stderr, time.monotonic() - t0)

    def close(self):
        pass


def context(tmp_path: Path, url: str, files: dict[str, str]):
    release = tmp_path / "releases" / "r1"
    (release / "db" / "sql").mkdir(parents=True)
    for name, text in files.items():
        (release / "db" / "sql" / name).write_text(text)
    app = Application(
        name="a",
        repository="/origin.git",
        deploy_path=str(tmp_path),
        migrations=MigrationSettings(sql_dir="db/sql", database_url=Secret(url)),
    )
    stage = Stage("prod", (Host("127.0.0.1", "h1", migrate=True),), SSHSettings(user="deploy"))
    inv = Inventory(path=tmp_path, application=app, stages={"prod": stage})
    bus, rec = Bus(), Recorder()
    bus.subscribe(rec)
    ctx = Context(
        inventory=inv, stage=stage, playbook=None, transport=LocalShell(), bus=bus, ref="main"
    )
    ctx.state.release = "r1"
    return ctx, rec


def record_applied(db, *versions: str) -> None:
    db.run("create table schema_migrations (version varchar(255) primary key)")
    for v in versions:
        db.run(f"insert into schema_migrations values ('{v}')")


def url_of(db, password: str) -> str:
    """The test servers do not check passwords (MariaDB runs with --skip-grant-tables, PostgreSQL
    with trust): the password is here to prove it is carried and never shown, special characters
    and all."""
    scheme, user = ("mysql", "root") if db.dialect == "mysql" else ("postgres", "postgres")
    quoted = password.replace("@", "%40").replace(";", "%3B")
    return f"{scheme}://{user}:{quoted}@127.0.0.1:{db.server.port}/{db.name}"


def test_the_pending_drop_column_is_blocked_and_applied_files_are_skipped(any_db, tmp_path):
    record_applied(any_db, "20240101000000")  # the create is applied (by its version)
    ctx, rec = context(tmp_path, url_of(any_db, "p@ss;w0rd"), FILES)
    with pytest.raises(MigrationBlocked) as e:
        check_migrations.run(ctx, {})
    assert e.value.exit_code == 6
    report = rec.of(StepOutput)[0].data
    assert report["migrations"] == ["20240201000000_add_email.sql", "20240301000000_drop_name.sql"]
    assert {
        (f["migration"], f["rule"]) for f in report["findings"] if f["severity"] == "block"
    } == {("20240301000000_drop_name.sql", "drop-column")}
    ran = " ".join(e.command for e in rec.of(CommandRan))
    assert "p@ss;w0rd" not in ran and "***" in ran  # the password never shows


def test_an_allow_annotation_in_the_sql_file_lets_it_through(any_db, tmp_path):
    record_applied(any_db, "20240101000000", "20240201000000_add_email")
    files = {**FILES, "20240301000000_drop_name.sql": ALLOW + FILES["20240301000000_drop_name.sql"]}
    ctx, rec = context(tmp_path, url_of(any_db, "pw"), files)
    assert check_migrations.run(ctx, {}).startswith(
        "1 pending migration(s), 1 finding(s), 1 allowed"
    )


def test_before_the_first_migration_the_table_does_not_exist_and_every_file_is_pending(
    any_db, tmp_path
):
    ctx, rec = context(
        tmp_path, url_of(any_db, "pw"), {k: v for k, v in FILES.items() if "drop" not in k}
    )
    assert check_migrations.run(ctx, {}).startswith("2 pending migration(s)")


def test_an_unreachable_database_fails_the_step_with_the_clients_message(any_db, tmp_path):
    from .servers import free_port

    url = url_of(any_db, "s3cret").replace(
        f":{any_db.server.port}/", f":{free_port()}/"
    )  # nothing listens
    ctx, rec = context(tmp_path, url, FILES)
    with pytest.raises(DeployError) as e:
        check_migrations.run(ctx, {})
    assert not isinstance(e.value, MigrationBlocked)
    text = str(e.value) + e.value.hint
    assert "h1" in text and ("connect" in text.lower()) and "s3cret" not in text


def test_sqlite(tmp_path):
    db = tmp_path / "app.sqlite3"
    subprocess.run(
        [
            "sqlite3",
            str(db),
            "create table schema_migrations (version text);"
            "insert into schema_migrations values ('20240101000000');",
        ],
        check=True,
    )
    ctx, rec = context(tmp_path, f"sqlite:///{db}", FILES)
    with pytest.raises(MigrationBlocked):
        check_migrations.run(ctx, {})
    assert rec.of(StepOutput)[0].data["migrations"] == [
        "20240201000000_add_email.sql",
        "20240301000000_drop_name.sql",
    ]
