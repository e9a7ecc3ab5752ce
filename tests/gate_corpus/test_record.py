"""The recorder (record.py) on a small chain, SQLite only (no server): what each chain line and
each bridge to a newer Laravel makes migrate that would otherwise break the chain.

The chain is written here (no harvested code): an app whose model extends a vendor parent that
is not installed (Jetstream's Team) and a package root (`#psr4=`) whose model another migration
names in `foreignIdFor`; Laravel 9+ calls (`uuid()` unnamed, `ulid()`, a table comment, a
typed config getter); Jetstream's Fortify question and kalnoy/nestedset's columns; an app
config the recorder must not take (`app.php` from a newer Laravel); a timestamp `->change()` on
a table that also holds a point (Doctrine DBAL reads every column first).
Every recorded file must migrate on a whole chain, with the SQL Laravel's grammars print.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.migrations_real import laravel_app

from . import record

pytestmark = pytest.mark.skipif(
    shutil.which("php") is None or not laravel_app.has_dbal(),
    reason="needs php-cli, php-laravel-framework and php-doctrine-dbal",
)

MIGRATION = """<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;
{uses}
return new class extends Migration {{
    public function up()
    {{
{body}
    }}
}};
"""

FILES = {
    "2024_01_01_000000_create_teams": (
        "",
        "Schema::create('teams', function (Blueprint $t) { $t->id(); $t->string('name'); });",
    ),
    "2024_01_01_000001_create_monitors": (
        "use App\\Models\\Team;",
        "Schema::create('monitors', function (Blueprint $t) {\n"
        "    $t->id(); $t->foreignIdFor(Team::class)->constrained(); $t->timestamp('due_at');\n"
        "    $t->point('location')->nullable();\n"
        "});",
    ),
    "2024_01_01_000002_create_results": (
        "use Acme\\Uptime\\Models\\Monitor;",
        "Schema::create('results', function (Blueprint $t) {\n"
        "    $t->id(); $t->foreignIdFor(Monitor::class)->constrained();\n"
        "    $t->uuid(); $t->ulid('trace'); $t->comment('one row per check');\n"
        "});",
    ),
    "2024_01_01_000003_add_two_factor": (
        "use Laravel\\Fortify\\Fortify;",
        "Schema::table('teams', function (Blueprint $t) {\n"
        "    if (Fortify::confirmsTwoFactorAuthentication()) {\n"
        "        $t->timestamp('two_factor_confirmed_at')->nullable();\n    }\n});",
    ),
    "2024_01_01_000003_create_categories": (
        "use Kalnoy\\Nestedset\\NestedSet;",
        "Schema::create('categories', function (Blueprint $t) {\n"
        "    $t->id(); NestedSet::columns($t);\n});",
    ),
    "2024_01_01_000004_due_at_nullable": (
        "",
        "Schema::table('monitors', function (Blueprint $t) {\n"
        "    $t->timestamp('due_at')->nullable()->change();\n});",
    ),
    "2024_01_01_000005_create_wallets": (
        "",
        "Schema::create(config()->string('wallet.table', 'wallets'), function (Blueprint $t) {\n"
        "    $t->id();\n});",
    ),
    "2024_01_01_000006_create_tags": (  # laravel/helpers' globals (TastyIgniter)
        "",
        "if (starts_with('tags', ['ta'])) {\n"
        "    Schema::create(array_get(['t' => str_singular('tags')], 't'),\n"
        "        fn ($t) => $t->id());\n}",
    ),
}


def _migrations(tmp: Path, files: dict, migrate_only=()) -> list[str]:
    """Chain lines for `files` (name -> (uses, body)) written under tmp/migrations: recorded
    (`+`) but for the names in `migrate_only`."""
    lines = []
    for name, (uses, body) in files.items():
        path = tmp / "migrations" / f"{name}.php"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MIGRATION.format(uses=uses, body=body))
        lines.append(("" if name in migrate_only else "+") + str(path))
    return lines


def _recorded(out: Path) -> dict[str, dict]:
    """The recordings under `out` by migration name."""
    return {
        Path(r["file"]).stem: r for r in map(json.loads, map(Path.read_text, out.glob("*.json")))
    }


def _chain(tmp: Path) -> Path:
    app = tmp / "app"
    (app / "Models").mkdir(parents=True)
    (app / "Models/Team.php").write_text(
        "<?php\nnamespace App\\Models;\nuse Laravel\\Jetstream\\Team as JetstreamTeam;\n"
        "class Team extends JetstreamTeam {}\n"
    )
    pkg = tmp / "packages/uptime/src"
    (pkg / "Models").mkdir(parents=True)
    (pkg / "Models/Monitor.php").write_text(
        "<?php\nnamespace Acme\\Uptime\\Models;\nuse Illuminate\\Database\\Eloquent\\Model;\n"
        "use Vendor\\Tracks\\Uptime;\nclass Monitor extends Model\n{\n    use Uptime;\n}\n"
    )
    newer_app = tmp / "config/app.php"  # a Laravel 11 app.php: would replace the providers
    newer_app.parent.mkdir()
    newer_app.write_text("<?php\nreturn ['providers' => ServiceProvider::defaultProviders()];\n")
    lines = [
        f"#app={app}",
        f"#psr4=Acme\\Uptime\\={pkg}",
        f"#config=app.php={newer_app}",
    ]
    lines += _migrations(tmp, FILES, migrate_only=[n for n in FILES if n.endswith("teams")])
    chain = tmp / "acme+app.txt"
    chain.write_text("\n".join(lines) + "\n")
    return chain


def test_a_chain_of_newer_laravel_migrates_whole(tmp_path, monkeypatch):
    for var in ("DT_APP_DIR", "DT_APP_NS", "DT_PSR4"):
        monkeypatch.setenv(var, "")  # record.main sets them: restored after the test
    monkeypatch.setattr(record.signal, "signal", lambda *_: None)  # pytest keeps its handlers
    chain = _chain(tmp_path)
    assert record.main(["--out", str(tmp_path / "rec"), "--dialects", "sqlite", str(chain)]) == 0
    got = _recorded(tmp_path / "rec/acme+app")
    assert sorted(got) == sorted(n for n in FILES if not n.endswith("teams"))
    for name, r in sorted(got.items()):
        assert r["applied"] and r["chain_ok"], (name, r["error"])
    assert '"team_id" integer not null' in got["2024_01_01_000001_create_monitors"]["pretend"]
    results = got["2024_01_01_000002_create_results"]["pretend"]
    assert '"monitor_id" integer not null' in results
    assert '"uuid" varchar not null' in results and '"trace" varchar not null' in results
    assert "two_factor_confirmed_at" in got["2024_01_01_000003_add_two_factor"]["pretend"]
    assert (
        '"_lft" integer not null default' in got["2024_01_01_000003_create_categories"]["pretend"]
    )
    # SQLite changes a column by Doctrine's rebuild: the copy pretend prints
    assert "__temp__monitors" in got["2024_01_01_000004_due_at_nullable"]["pretend"]
    # Laravel 10's typed config getter, on 8.83's repository
    assert 'create table "wallets"' in got["2024_01_01_000005_create_wallets"]["pretend"]
    assert 'create table "tag"' in got["2024_01_01_000006_create_tags"]["pretend"]


def test_a_package_chain_loads_its_roots_without_an_app_dir(tmp_path, monkeypatch):
    """A package (bavix/laravel-wallet, fleetops) has no app/ but names its own models, and an
    earlier chain's app dir must not leak into it; a namespace may have several directories and
    the longest namespace wins, as composer maps them (shopper); a vendor constant's stand-in;
    another connection a migration names is the recorder's own (osu-web); a config that
    requires a file beside it (anonaddy)."""
    monkeypatch.setenv("DT_APP_DIR", str(tmp_path / "an-earlier-chains-app"))
    for var in ("DT_APP_NS", "DT_PSR4", "DT_CONNECTIONS"):
        monkeypatch.setenv(var, "")
    monkeypatch.setattr(record.signal, "signal", lambda *_: None)
    src = tmp_path / "src/Models"
    src.mkdir(parents=True)
    (src / "Transfer.php").write_text(
        "<?php\nnamespace Acme\\Wallet\\Models;\nuse Illuminate\\Database\\Eloquent\\Model;\n"
        "class Transfer extends Model { protected $table = 'wallet_transfers'; }\n"
    )
    bodies = {
        "2024_01_01_000000_create_transfers": (
            "use Acme\\Wallet\\Models\\Transfer;",
            "Schema::create((new Transfer())->getTable(), function (Blueprint $t) { $t->id(); });",
        ),
        "2024_01_01_000001_create_logins": (
            "",
            "Schema::create('logins', function (Blueprint $t) {\n    $t->id();\n"
            "    $t->string('type')\n"
            "        ->default(\\Lab404\\AuthChecker\\Models\\Login::TYPE_LOGIN);\n});",
        ),
        "2024_01_01_000002_create_zones": (
            "use Acme\\Helpers\\Tables;",
            "Schema::create(Tables::prefixed('zones'), function (Blueprint $t) { $t->id(); });",
        ),
        "2024_01_01_000003_create_channels": (  # osu-web's other connections
            "",
            "Schema::connection('mysql-chat')->create('channels', fn (Blueprint $t) => $t->id());",
        ),
        "2024_01_01_000004_create_named": (  # a config requiring a file beside it (anonaddy)
            "",
            "Schema::create(config('names.list')[0], fn (Blueprint $t) => $t->id());",
        ),
    }
    (tmp_path / "config/lists").mkdir(parents=True)
    (tmp_path / "config/names.php").write_text(
        "<?php return ['list' => require __DIR__.'/lists/names.php'];\n"
    )
    (tmp_path / "config/lists/names.php").write_text("<?php return ['named_things'];\n")
    # Acme\\ has two directories (the second holds the helper); Acme\\Wallet\\ is longer
    (tmp_path / "admin").mkdir()
    (tmp_path / "core/Helpers").mkdir(parents=True)
    (tmp_path / "core/Helpers/Tables.php").write_text(
        "<?php\nnamespace Acme\\Helpers;\nclass Tables\n{\n"
        "    public static function prefixed($t) { return 'acme_' . $t; }\n}\n"
    )
    lines = [
        f"#psr4=Acme\\={tmp_path / 'admin'}",
        f"#psr4=Acme\\={tmp_path / 'core'}",
        f"#psr4=Acme\\Wallet\\={tmp_path / 'src'}",
        f"#config=names.php={tmp_path / 'config/names.php'}",
    ]
    lines += _migrations(tmp_path, bodies)
    chain = tmp_path / "acme+wallet.txt"
    chain.write_text("\n".join(lines) + "\n")
    assert record.main(["--out", str(tmp_path / "rec"), "--dialects", "sqlite", str(chain)]) == 0
    got = _recorded(tmp_path / "rec/acme+wallet")
    for name, r in sorted(got.items()):
        assert r["applied"] and r["chain_ok"], (name, r["error"])
    assert 'create table "wallet_transfers"' in got["2024_01_01_000000_create_transfers"]["pretend"]
    assert "default 'auth'" in got["2024_01_01_000001_create_logins"]["pretend"]
    assert 'create table "acme_zones"' in got["2024_01_01_000002_create_zones"]["pretend"]
    # pretended on the other connection too, then migrated once
    assert 'create table "channels"' in got["2024_01_01_000003_create_channels"]["pretend"]
    assert 'create table "named_things"' in got["2024_01_01_000004_create_named"]["pretend"]


def test_a_chain_for_other_engines_is_not_recorded_here(tmp_path, monkeypatch):
    """`#dialects=mysql` (osu-web, Fleetbase): a SQLite run records nothing of the chain."""
    monkeypatch.setattr(record.signal, "signal", lambda *_: None)
    path = tmp_path / "migrations/2024_01_01_000000_create_things.php"
    path.parent.mkdir()
    path.write_text(
        MIGRATION.format(uses="", body="Schema::create('things', fn ($t) => $t->id());")
    )
    chain = tmp_path / "acme+mysql-only.txt"
    chain.write_text(f"#dialects=mysql\n+{path}\n")
    assert record.main(["--out", str(tmp_path / "rec"), "--dialects", "sqlite", str(chain)]) == 0
    assert not list((tmp_path / "rec").glob("*/*.json"))


def test_groups_run_in_chain_order_and_a_name_twice_runs_twice(tmp_path, monkeypatch):
    """TastyIgniter's chain runs system's folder, then admin's: a batch of migrate-only files in
    chain order, not Laravel's file-name order (the admin alter sorts before the system create
    it needs), and admin's add_timestamps runs after system's of the same name, not skipped as
    run; its pretend names the migration as the file does."""
    for var in ("DT_APP_DIR", "DT_APP_NS", "DT_PSR4", "DT_CONNECTIONS"):
        monkeypatch.setenv(var, "")
    monkeypatch.setattr(record.signal, "signal", lambda *_: None)
    bodies = {
        "system/2022_01_01_000000_create_settings": (
            "",
            "Schema::create('settings', fn (Blueprint $t) => $t->id());",
        ),
        "admin/2020_01_01_000000_add_note_to_settings": (
            "",
            "Schema::table('settings', fn (Blueprint $t) => $t->string('note')->nullable());",
        ),
        "system/2023_01_01_000000_add_timestamps": (
            "",
            "Schema::table('settings', fn ($t) => $t->timestamp('system_at')->nullable());",
        ),
        "admin/2023_01_01_000000_add_timestamps": (
            "",
            "Schema::table('settings', fn ($t) => $t->timestamp('admin_at')->nullable());",
        ),
    }
    lines = _migrations(tmp_path, bodies, migrate_only=[n for n in bodies if "timestamps" not in n])
    chain = tmp_path / "acme+groups.txt"
    chain.write_text("\n".join(lines) + "\n")
    assert record.main(["--out", str(tmp_path / "rec"), "--dialects", "sqlite", str(chain)]) == 0
    got = {
        Path(r["file"]).parent.name: r
        for r in map(json.loads, map(Path.read_text, (tmp_path / "rec/acme+groups").glob("*.json")))
    }
    assert sorted(got) == ["admin", "system"]
    for group, r in got.items():
        assert r["applied"] and r["chain_ok"], (group, r["error"])
    admin = got["admin"]
    assert "admin_at" in admin["pretend"] and "2023_01_01_000000_add_timestamps" in admin["pretend"]
    assert "add_timestamps_" not in admin["pretend"]  # the copy's own name never shows
    assert "system_at" in json.dumps(admin["schema"]) and "note" in json.dumps(admin["schema"])
