"""CI mode end to end: `deploytool check-migrations --app PATH --database-url URL` on a real
Laravel 8 app against real MariaDB and PostgreSQL migrated to the running release.

The base migration is the running release (migrated for real); the pending ones are the pull
request's. The CLI runs as a subprocess from the app's root, as a CI job would: the app's own
`migrate --pretend`, the live schema (a unique key makes a keyed UPDATE a data fix), the PHP source
(a loop over query results blocks although pretend shows no write), exit 6, `--json`, GitHub
annotations at the migration's file:line and a GitLab Code Quality report. `--schema` judges an
offline `--sql` file against a real `schema:dump`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import laravel_app
from .laravel_app import migration

REPO = Path(__file__).resolve().parents[2]
BASE = migration(
    """
    Schema::create('users', function (Blueprint $t) {
        $t->id(); $t->string('name', 50); $t->string('email')->unique();
        $t->string('legacy')->nullable(); $t->integer('score')->default(0);
    });""",
    "CreateUsers",
)
PENDING = {
    "2024_02_01_000000_add_nick.php": migration(
        """
        Schema::table('users', function (Blueprint $t) { $t->string('nick')->nullable(); });
        DB::table('users')->where('email', 'admin@example.com')->update(['score' => 1]);""",
        "AddNick",
    ),
    "2024_02_02_000000_drop_legacy.php": migration(
        """
        Schema::table('users', function (Blueprint $t) {
            $t->dropColumn('legacy');
        });""",
        "DropLegacy",
    ),
    "2024_02_03_000000_rescore.php": migration(
        """
        foreach (DB::table('users')->get() as $u) {
            DB::table('users')->where('id', $u->id)->update(['score' => strlen($u->name)]);
        }""",
        "Rescore",
    ),
}


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "deploytool.cli", "check-migrations", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(params=["mariadb", "postgres"])
def app(request, tmp_path):
    from .conftest import Database

    db = Database(request.getfixturevalue(request.param))
    root = tmp_path / "app"
    migrations = laravel_app.write_app(root)
    (migrations / "2024_01_01_000000_create_users.php").write_text(BASE)
    done = laravel_app.artisan(root, db.connection, db.server.port, db.name, "migrate", "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    for name, text in PENDING.items():
        (migrations / name).write_text(text)
    scheme, user = ("mysql", "root") if db.dialect == "mysql" else ("postgresql", "postgres")
    return root, db, f"{scheme}://{user}@127.0.0.1:{db.server.port}/{db.name}"


def test_ci_mode_judges_the_pending_migrations(app):
    root, db, url = app
    done = cli(root, "--app", ".", "--database-url", url, "--json")
    assert done.returncode == 6, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["dialect"] == db.dialect and report["blocked"]
    by_migration = {}
    for f in report["findings"]:
        if f["severity"] == "block":
            by_migration.setdefault(f["migration"], set()).add(f["rule"])
    assert by_migration == {
        "2024_02_02_000000_drop_legacy": {"drop-column"},
        "2024_02_03_000000_rescore": {"pretend-blind-loop"},
    }  # add_nick passes: a nullable column, an UPDATE pinned to the unique email


def test_ci_mode_annotations_and_code_quality(app, tmp_path):
    root, _db, url = app
    report = tmp_path / "gl-code-quality.json"
    done = cli(
        root,
        "--app",
        ".",
        "--database-url",
        url,
        "--github-annotations",
        "--gitlab-report",
        str(report),
    )
    assert done.returncode == 6, done.stdout + done.stderr
    drop = "database/migrations/2024_02_02_000000_drop_legacy.php"
    line = next(
        n for n, t in enumerate((root / drop).read_text().splitlines(), 1) if "dropColumn" in t
    )
    assert f"::error file={drop},line={line},title=deploytool gate%3A drop-column::" in done.stdout
    issues = json.loads(report.read_text())
    assert {(i["check_name"], i["location"]["path"]) for i in issues} >= {("drop-column", drop)}


def test_schema_file_judges_an_offline_file(app, tmp_path):
    root, db, url = app
    if db.dialect != "mysql":
        pytest.skip("the PostgreSQL dump is covered by test_schema_dump; one engine is enough here")
    provider = (
        "Illuminate\\Console\\Application::starting(function ($a) { $a->resolve("
        "Illuminate\\Database\\Console\\DumpCommand::class); });\n"
    )
    boot = root / "bootstrap/app.php"
    boot.write_text(boot.read_text().replace("return $app;", provider + "return $app;"))
    done = laravel_app.artisan(root, db.connection, db.server.port, db.name, "schema:dump")
    assert done.returncode == 0, done.stdout + done.stderr
    sql = tmp_path / "widen.sql"
    sql.write_text("ALTER TABLE users MODIFY name VARCHAR(60) NOT NULL;\n")
    dump = str(root / "database/schema/mysql-schema.dump")
    blind = cli(root, "--sql", str(sql), "--dialect", "mysql")
    assert blind.returncode == 6  # the live type is unknown: it cannot be shown to be free
    judged = cli(root, "--sql", str(sql), "--dialect", "mysql", "--schema", dump)
    assert judged.returncode == 0, judged.stdout + judged.stderr  # 50 -> 60 chars: in place
