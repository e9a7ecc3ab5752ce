"""The corpus recorder (tests/gate_corpus/record.py) on MariaDB: Laravel 8 changes a column
through Doctrine DBAL, which has no enum or mediumint type, so osu-web's `->change()` to those
failed "Unknown column type" and broke the rest of its chain, where the Laravel 10+ app that
wrote them changes the column natively. The recorder compiles such a change as Laravel 10's
MySQL grammar does (laravel_compat.php); one DBAL can compile stays DBAL's."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.gate_corpus import record

from . import laravel_app

pytestmark = pytest.mark.skipif(
    shutil.which("php") is None or not laravel_app.has_dbal(),
    reason="needs php-cli, php-laravel-framework and php-doctrine-dbal",
)

MIGRATION = """<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Support\\Facades\\Schema;
return new class extends Migration {
    public function up()
    {
        %s
    }
};
"""
STEPS = {
    "2024_01_01_000000_create_rooms": (
        "Schema::create('rooms', function ($t) {\n"
        "    $t->id(); $t->string('name'); $t->enum('kind', ['solo', 'team']);\n"
        "    $t->mediumInteger('players');\n});"
    ),
    "2024_01_01_000001_more_kinds": (
        "Schema::table('rooms', function ($t) {\n"
        "    $t->enum('kind', ['solo', 'team', 'duo'])->change();\n"
        "    $t->mediumInteger('players')->default(0)->change();\n});"
    ),
    "2024_01_01_000002_shorter_names": (
        "Schema::table('rooms', fn ($t) => $t->string('name', 100)->change());"
    ),
}


def test_changes_dbal_cannot_compile_are_native(mariadb, tmp_path, monkeypatch):
    for var in ("DT_APP_NS", "DT_PSR4"):
        monkeypatch.setenv(var, "")
    entries = []
    for n, (name, body) in enumerate(STEPS.items()):
        path = tmp_path / f"{name}.php"
        path.write_text(MIGRATION % body)
        entries.append((path, n > 0))
    out = tmp_path / "rec"
    out.mkdir()
    record.record_chain(entries, "mysql", mariadb, out)
    got = {json.loads(p.read_text())["file"].rsplit("/", 1)[1]: json.loads(p.read_text())
           for p in out.glob("*.json")}  # fmt: skip
    kinds, names = (
        got["2024_01_01_000001_more_kinds.php"],
        got["2024_01_01_000002_shorter_names.php"],
    )
    for r in (kinds, names):
        assert r["applied"] and r["chain_ok"], r["error"]
    assert "modify `kind` enum('solo', 'team', 'duo') not null" in kinds["pretend"]
    assert "modify `players` mediumint not null default '0'" in kinds["pretend"]
    assert "CHANGE name name VARCHAR(100)" in names["pretend"]  # DBAL's, as before
