"""`deploytool plan` (and `ship --dry-run`) on the real lab: what it shows is what a ship then does,
and it changes nothing: every file under each host's deploy path (type, size, mtime, link target),
the workers (same pids), and the database are compared before and after."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from .conftest import current_of, releases_of, ship, write_inventory

pytestmark = pytest.mark.lab

DROP = """<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

class DropLedgerHost extends Migration
{
    public function up()
    {
        Schema::table('ledger', function (Blueprint $table) {
            $table->dropColumn('host');
        });
    }
}
"""


def host_state(lab) -> dict:
    state: dict = {}
    for h in lab.hosts:
        files = []
        for root, dirs, names in os.walk(h.app_dir):
            for name in dirs + names:
                path = os.path.join(root, name)
                st = os.lstat(path)
                link = os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""
                files.append(
                    (
                        os.path.relpath(path, h.app_dir),
                        stat.S_IFMT(st.st_mode),
                        st.st_size,
                        st.st_mtime_ns,
                        link,
                    )
                )
        state[h.name] = {"files": sorted(files), "workers": lab.worker_status(h)}
    state["db"] = (
        lab.sql("SELECT migration, batch FROM migrations ORDER BY id").stdout,
        lab.sql("SHOW TABLES").stdout,
    )
    return state


def changed_paths(before: dict, after: dict) -> set[str]:
    out = set()
    for host in before:
        if host == "db":
            continue
        a, b = set(before[host]["files"]), set(after[host]["files"])
        out |= {f"{host}:{f[0]}" for f in a ^ b}
    return out


def plan(inv, *args, command=("plan",)):
    proc = subprocess.run(
        [sys.executable, "-m", "deploytool.cli", *command, "lab", "-i", str(inv), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CI": "1"},
    )
    doc = json.loads(proc.stdout) if "--json" in args and proc.stdout.startswith("{") else None
    return proc, doc


def origin_commit(lab, ref: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(lab.origin_path), "rev-parse", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def v1(lab, tmp_path_factory):
    """v1 shipped everywhere, workers running; yields (inventory with the gate on, v1's release)."""
    lab.reset_app_state()
    d = tmp_path_factory.mktemp("plan")
    first = ship(write_inventory(lab, d / "ship.yml", migrations={"policy": "off"}), "--ref", "v1")
    assert first.code == 0, first
    lab.start_workers()
    return write_inventory(lab, d / "plan.yml", migrations={"policy": "block"}), first.release


def test_plan_shows_the_ship_and_changes_nothing(lab, v1):
    inv, release = v1
    before = host_state(lab)
    proc, doc = plan(inv, "--ref", "v2", "--json")
    text, _ = plan(inv, "--ref", "v2")
    dry, _ = plan(inv, "--ref", "v2", command=("ship", "--dry-run"))
    assert host_state(lab) == before  # files, workers, schema: all the same
    assert proc.returncode == 0, proc.stderr
    v2 = origin_commit(lab, "v2")
    assert doc["target"] == {"commit": v2, "agreed": True, "seen": [v2]}
    for h in doc["hosts"]:
        assert h["current"]["release"] == release and h["current"]["commit"] == origin_commit(
            lab, "v1"
        )
        assert h["target"] == {"commit": v2, "source": "origin", "error": ""}
        pids = sorted(pid for _, pid in before[h["host"]]["workers"].values())
        assert sorted(w["pid"] for w in h["workers"]) == pids and all(
            w["current"] for w in h["workers"]
        )
        assert h["cleanup"] == {"keep": 3, "delete": [], "kept_in_use": []}
    m = doc["migrations"]
    assert m["host"] == "h1" and m["pending"] == ["2024_02_01_000000_create_widgets_table"]
    assert m["gate"]["blocked"] is False and m["gate"]["migrations"] == m["pending"]
    # the same plan for people, and `ship --dry-run` is the plan
    assert text.returncode == 0 and dry.returncode == 0, dry.stderr
    assert f"current:  {release} commit {origin_commit(lab, 'v1')[:12]}" in text.stdout
    assert (
        "1 pending: 2024_02_01_000000_create_widgets_table" in text.stdout
        and "gate (mysql" in text.stdout
    )
    assert dry.stdout.splitlines()[0] == text.stdout.splitlines()[0]


def test_an_unsafe_migration_not_yet_fetched_then_with_fetch(lab, v1):
    inv, _ = v1
    commit = lab.commit_release(
        "drop-host", {"database/migrations/2030_01_01_000000_drop_ledger_host.php": DROP}
    )
    before = host_state(lab)
    proc, doc = plan(inv, "--ref", "drop-host", "--json")
    assert host_state(lab) == before
    assert (
        proc.returncode == 0 and doc["target"]["commit"] == commit
    )  # origin knows it, the mirror not yet
    assert doc["migrations"]["known"] is False and "--fetch" in doc["migrations"]["why"]

    proc, doc = plan(inv, "--ref", "drop-host", "--json", "--fetch")
    after = host_state(lab)
    assert proc.returncode == 6, proc.stderr  # MIGRATION_BLOCKED, as the ship would
    gate = doc["migrations"]["gate"]
    assert gate["blocked"] and [f["rule"] for f in gate["findings"]] == ["drop-column"]
    assert "2030_01_01_000000_drop_ledger_host" in doc["migrations"]["pending"]
    # --fetch wrote into the cached mirrors and nowhere else; the schema is untouched
    assert changed_paths(before, after) and all(
        ".deploytool/repo.git" in p for p in changed_paths(before, after)
    )
    assert after["db"] == before["db"]
    assert {h: s["workers"] for h, s in after.items() if h != "db"} == {
        h: s["workers"] for h, s in before.items() if h != "db"
    }


def test_the_cleanup_preview_is_what_the_ship_deletes(lab, v1, tmp_path):
    inv = write_inventory(
        lab, tmp_path / "keep1.yml", migrations={"policy": "off"}, keep_releases=1
    )
    _, doc = plan(inv, "--ref", "v2", "--json")
    predicted = {h["host"]: h["cleanup"]["delete"] for h in doc["hosts"]}
    old = releases_of(lab)
    assert all(predicted[h] == old[h] for h in old), (
        predicted,
        old,
    )  # v1 goes once the workers moved on
    shipped = ship(inv, "--ref", "v2")
    assert shipped.code == 0, shipped
    assert releases_of(lab) == {h: [shipped.release] for h in old}
    assert current_of(lab) == {h: shipped.release for h in old}
