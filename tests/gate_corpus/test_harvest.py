"""harvest on repositories made here: the seeded pick, and what a chain runs besides the pick.

A package (no app dir, a psr-4 root) with 30 alters and 10 creates, whose migrations run on a
core package's tables and on the host app's users table: the pick must be the first 28 alters
and 7 creates by the set's hash (the same on every run, another set's seed another pick), the
core package's migrations run first in name order and never picked (`?` lines), the stock users
migration before them, the psr-4 root a `#psr4=` line, a config a migration reads a `#config=`
line, and a package config the service provider merges under a key a generated `#config=`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from . import harvest

ALTER = "<?php\nreturn new class { function up() { Schema::table('tN', fn ($t) => 1); } };\n"
CREATE = "<?php\nreturn new class { function up() { Schema::create('cN', fn ($t) => 1); } };\n"


def _migration(template: str, n) -> str:
    return template.replace("N", str(n))


def _repo(mirrors: Path, name: str, files: dict[str, str]) -> None:
    work = mirrors / name.replace("/", "+") / "work"
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text)
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "m"],
        check=True,
    )
    (work / ".git").rename(mirrors / name.replace("/", "+") / "repo")


def _spec() -> dict:
    return {
        "acme/ext": {
            "patterns": ["migrations/*.php"],
            "prefix": [["acme/core", ["database/*.php"]]],
            "stock": ["2014_10_12_000000_create_users_table.php"],
            "merged": {"acme.php": {"core": "config/core.php"}},
            "dialects": ["mysql"],
        }
    }


def test_the_pick_and_the_chain(tmp_path, monkeypatch):
    mirrors = tmp_path / "mirror"
    monkeypatch.setattr(harvest, "MIRRORS", mirrors)
    files = {
        f"migrations/2020_01_01_{n:06d}_alter_t{n}.php": _migration(ALTER, n) for n in range(30)
    }
    files |= {
        f"migrations/2021_01_01_{n:06d}_create_c{n}.php": _migration(CREATE, n) for n in range(10)
    }
    files["migrations/2022_01_01_000000_uses_config.php"] = (
        "<?php\nreturn new class { function up() {\n"
        "    Schema::table(config('ext.table'), fn ($t) => 1);\n} };\n"
    )
    files["config/ext.php"] = "<?php return ['table' => 't1'];\n"
    files["migrations/2022_01_01_000001_uses_facade.php"] = (
        "<?php\nreturn new class { function up() {\n"
        "    DB::table(Config::get('settings.table'))->insert(['key' => 'k']);\n} };\n"
    )
    files["config/settings.php"] = (
        "<?php return ['table' => 'settings', 'names' => require __DIR__.'/lists/names.php'];\n"
    )
    files["config/lists/names.php"] = "<?php return ['a'];\n"
    files["config/core.php"] = "<?php return ['prefix' => 'x_'];\n"
    files["src/Models/Thing.php"] = "<?php namespace Acme\\Ext\\Models; class Thing {}\n"
    files["composer.json"] = json.dumps({"autoload": {"psr-4": {"Acme\\Ext\\": "src/"}}})
    _repo(mirrors, "acme/ext", files)
    _repo(
        mirrors, "acme/core", {"database/2019_01_01_000000_create_t.php": _migration(CREATE, "t")}
    )

    manifest = harvest.harvest("heldout99", _spec(), tmp_path / "out")
    picked = [Path(e["path"]).name for e in manifest]
    assert len(picked) == 35  # 28 alters (of 31) and a fifth of the pick in creates
    assert sum("create" in p for p in picked) == 7
    assert all(e["repo"] == "acme/ext" and len(e["commit"]) == 40 for e in manifest)
    again = harvest.harvest("heldout99", _spec(), tmp_path / "again")
    assert [e["path"] for e in again] == [e["path"] for e in manifest]  # seeded: the same pick
    other = harvest.harvest("heldout98", _spec(), tmp_path / "other")
    assert {e["path"] for e in other} != {e["path"] for e in manifest}  # another set, another

    lines = (tmp_path / "out/chains/acme+ext.txt").read_text().split("\n")
    assert lines[0] == "#dialects=mysql"  # record.py reads it first
    out = tmp_path / "out/acme+ext"
    assert f"#psr4=Acme\\Ext\\={out / 'src'}" in lines
    assert (out / "src/Models/Thing.php").exists()
    assert f"#config=ext.php={out / 'config/ext.php'}" in lines
    assert f"#config=settings.php={out / 'config/settings.php'}" in lines  # read by the facade
    assert (out / "config/lists/names.php").exists()  # the file it requires beside it
    merged = [ln for ln in lines if ln.startswith("#config=acme.php=")]
    assert merged and "'core' => require" in Path(merged[0].split("=", 2)[2]).read_text()
    body = [ln for ln in lines if ln and not ln.startswith("#")]
    assert body[0] == str(harvest.STOCK / "2014_10_12_000000_create_users_table.php")
    assert Path(body[0]).exists()
    assert body[1] == "?" + str(out / "_prefix/acme+core/database/2019_01_01_000000_create_t.php")
    runs = [Path(ln.lstrip("+?")).name for ln in body[1:]]
    assert runs == sorted(runs)  # Laravel's order: file names
    assert sum(ln.startswith("+") for ln in body) == 35


def test_groups_run_folder_by_folder(tmp_path, monkeypatch):
    """TastyIgniter runs its system folder's migrations, then admin's: the chain must too, and a
    file name both folders hold is two migrations, each in its group."""
    mirrors = tmp_path / "mirror"
    monkeypatch.setattr(harvest, "MIRRORS", mirrors)
    files = {
        "migrations/system/2020_01_01_000000_create_t1.php": _migration(CREATE, 1),
        "migrations/system/2022_01_01_000000_add_timestamps.php": _migration(ALTER, 1),
        "migrations/admin/2019_01_01_000000_create_t2.php": _migration(CREATE, 2),
        "migrations/admin/2022_01_01_000000_add_timestamps.php": _migration(ALTER, 2),
    }
    _repo(mirrors, "acme/groups", files)
    spec = {"patterns": ["migrations/system/*.php", "migrations/admin/*.php"], "groups": True}

    harvest.harvest("heldout99", {"acme/groups": spec}, tmp_path / "out")
    body = (tmp_path / "out/chains/acme+groups.txt").read_text().split()
    runs = ["/".join(Path(ln.lstrip("+?")).parts[-2:]) for ln in body if not ln.startswith("#")]
    assert runs == [
        "system/2020_01_01_000000_create_t1.php",
        "system/2022_01_01_000000_add_timestamps.php",
        "admin/2019_01_01_000000_create_t2.php",
        "admin/2022_01_01_000000_add_timestamps.php",
    ]

    harvest.harvest("heldout99", {"acme/groups": spec | {"groups": False}}, tmp_path / "flat")
    body = (tmp_path / "flat/chains/acme+groups.txt").read_text().split()
    names = [Path(ln.lstrip("+?")).name for ln in body if not ln.startswith("#")]
    assert names == sorted(names)  # without `groups`: Laravel's order, by file name


def test_data_folders_are_copied(tmp_path, monkeypatch):
    """uk-controller-api's migrations fopen CSVs under database/data: `data` copies the folder."""
    mirrors = tmp_path / "mirror"
    monkeypatch.setattr(harvest, "MIRRORS", mirrors)
    files = {
        "migrations/2020_01_01_000000_create_t1.php": _migration(CREATE, 1),
        "data/stands/egcc.csv": "stand,size\n1,A\n",
    }
    _repo(mirrors, "acme/data", files)
    spec = {"patterns": ["migrations/*.php"]}
    harvest.harvest("heldout99", {"acme/data": spec}, tmp_path / "bare")
    assert not (tmp_path / "bare/acme+data/data/stands/egcc.csv").exists()
    harvest.harvest("heldout99", {"acme/data": spec | {"data": ["data"]}}, tmp_path / "out")
    assert (tmp_path / "out/acme+data/data/stands/egcc.csv").read_text() == "stand,size\n1,A\n"
