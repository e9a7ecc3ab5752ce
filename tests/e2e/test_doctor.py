"""`deploytool doctor` on the real lab: a correct fleet passes, and each host misconfigured one
way at a time (its live supervisord program, its .env, its `current`) is caught, on that host only,
with a fix. Read-only: the workers doctor finds running are still running afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.lab.reconfig import worker_program

from .conftest import LAB_KINDS, ship, write_inventory

pytestmark = pytest.mark.lab

GOOD_COMMAND = (
    "php /var/www/app/current/artisan queue:work redis --sleep=1 --tries=3 --timeout=30 "
    "--max-time=3600 --memory=256"
)


@pytest.fixture(scope="module")
def fleet(lab, tmp_path_factory):
    """v1 shipped everywhere with workers running; yields the inventory."""
    lab.reset_app_state()
    inv = write_inventory(
        lab,
        tmp_path_factory.mktemp("doctor") / "inventory.yml",
        migrations={"policy": "off"},
        workers=LAB_KINDS,  # every program of the lab is a kind the drain knows
    )
    first = ship(inv, "--ref", "v1")
    assert first.code == 0, first
    lab.start_workers()
    return inv


def doctor(inv, *args):
    """Run `deploytool doctor lab --json`; (the finished process, the parsed report)."""
    proc = subprocess.run(
        [sys.executable, "-m", "deploytool.cli", "doctor", "lab", "-i", str(inv), "--json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CI": "1"},
    )
    proc.code = proc.returncode
    assert proc.stdout.startswith("{"), proc.stderr
    return proc, json.loads(proc.stdout)


def bad(report) -> set[tuple[str, str, str]]:
    return {
        (f["host"], f["check"], f["status"]) for f in report["findings"] if f["status"] != "pass"
    }


def test_the_lab_as_built_passes_and_doctor_changes_nothing(lab, fleet):
    before = {h.name: lab.worker_status(h) for h in lab.hosts}
    result, report = doctor(fleet)
    assert result.code == 0, result
    assert report["ok"] and report["counts"]["fail"] == 0
    # the lab's program has no --max-time/--memory: warnings, not failures
    assert bad(report) == {
        (h, c, "warn") for h in ("h1", "h2", "h3") for c in ("worker.recycle", "worker.memory")
    }
    checks = {f["check"] for f in report["findings"]}
    assert {
        "supervisor.stopwaitsecs",
        "php.pcntl",
        "queue.retry-after",
        "cache.shared",
        "cache.same-store",
        "release.current",
        "supervisor.directory",
        "supervisor.running",
        "kind.declared",  # the scheduler's and the daemon's programs, as kinds
        "kind.autorestart",
        "scheduler.children",
    } <= checks
    assert {h.name: lab.worker_status(h) for h in lab.hosts} == before  # same pids, still RUNNING


def test_a_fully_correct_program_passes_strict(lab, fleet):
    with worker_program(lab, "h1", command=GOOD_COMMAND):
        lab.start_workers(["h1"])
        result, report = doctor(fleet, "--strict")
        assert not {x for x in bad(report) if x[0] == "h1"}, report
    lab.start_workers(["h1"])


CASES = [
    ("stopsignal", {"stopsignal": "KILL"}, "supervisor.stopsignal", "fail"),
    ("stopwaitsecs", {"stopwaitsecs": "10"}, "supervisor.stopwaitsecs", "fail"),
    ("autorestart", {"autorestart": None}, "supervisor.autorestart", "fail"),
    ("stopasgroup", {"stopasgroup": None, "killasgroup": None}, "supervisor.stopasgroup", "warn"),
    (
        "queue-listen",
        {"command": "php /var/www/app/current/artisan queue:listen redis --timeout=30"},
        "worker.queue-work",
        "fail",
    ),
    ("pinned-directory", {"directory": "RELEASE"}, "supervisor.directory", "fail"),
    (
        "retry-after",
        {
            "command": "php /var/www/app/current/artisan queue:work redis --timeout=50",
            "stopwaitsecs": "60",
        },
        "queue.retry-after",
        "fail",
    ),
]


@pytest.mark.parametrize("name,settings,check,status", CASES, ids=[c[0] for c in CASES])
def test_one_misconfigured_program_is_caught_on_its_host(lab, fleet, name, settings, check, status):
    if settings.get("directory") == "RELEASE":  # the release h2 runs now, as a directory
        settings = {
            "directory": "/var/www/app/releases/"
            + os.readlink(lab.host("h2").app_dir / "current").rsplit("/", 1)[-1]
        }
    with worker_program(lab, "h2", **settings):
        result, report = doctor(fleet)
    assert result.code == (10 if status == "fail" else 0), result
    flagged = {(h, c) for h, c, s in bad(report) if s == status}
    assert ("h2", check) in flagged
    assert not {(h, c) for h, c in flagged if c == check and h != "h2"}  # the other hosts are fine
    finding = next(f for f in report["findings"] if f["host"] == "h2" and f["check"] == check)
    assert finding["fix"] and (
        finding["where"].startswith("/run/supervisord.conf:") or check == "queue.retry-after"
    )
    lab.start_workers(["h2"])


def test_a_per_host_file_cache_is_caught(lab, fleet):
    h2 = lab.host("h2")
    env = h2.app_dir / "shared" / ".env"
    original = env.read_text()
    env.write_text(original.replace("CACHE_DRIVER=redis", "CACHE_DRIVER=file"))
    # the workers read the cached config: rebuild it the way a deploy does
    lab.run("h2", ["php", "artisan", "config:cache"], cwd="/var/www/app/current", check=True)
    try:
        result, report = doctor(fleet)
    finally:
        env.write_text(original)
        lab.run("h2", ["php", "artisan", "config:cache"], cwd="/var/www/app/current", check=True)
    assert result.code == 10, result
    assert {("h2", "cache.shared", "fail"), ("", "cache.same-store", "fail")} <= bad(report)
    assert ("h1", "cache.shared", "fail") not in bad(report)


def test_a_missing_current_is_caught(lab, fleet):
    link = lab.host("h3").app_dir / "current"
    target = os.readlink(link)
    os.rename(link, link.with_name("current.moved"))
    try:
        result, report = doctor(fleet)
    finally:
        os.rename(link.with_name("current.moved"), link)
    assert result.code == 10, result
    assert ("h3", "release.current", "fail") in bad(report)
    assert os.readlink(link) == target


def test_an_unreachable_host_fails_but_the_others_are_checked(lab, fleet, tmp_path):
    inv = write_inventory(
        lab, tmp_path / "inv.yml", migrations={"policy": "off"}, ssh={"connect_timeout": "2s"}
    )
    text = inv.read_text().replace(
        f"{lab.address_prefix}.3", "127.0.0.1"
    )  # nothing listens there on 2222
    inv.write_text(text)
    result, report = doctor(inv)
    assert result.code == 10
    assert {(f["host"], f["check"]) for f in report["findings"] if f["status"] == "fail"} == {
        ("h3", "ssh.connect")
    }
    assert any(
        f["host"] == "h1" and f["check"] == "supervisor.stopwaitsecs" for f in report["findings"]
    )
