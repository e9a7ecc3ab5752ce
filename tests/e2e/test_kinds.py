"""Every long-running process kind on the real lab (issue 14 item 5): queue workers, the scheduler
(`schedule:work`), a long command the scheduler started from the old release (`ledger:long`, from
`schedule:run`), and a custom daemon that traps SIGTERM (`lab:daemon`), in one ship with jobs
flowing; a short deadline for one kind failing the ship; doctor on each kind's program.

The scheduler fires at second 0 of a minute: no test waits for it. The long command from the old
release is started deterministically with `lab.kinds.run_schedule(host)` (one `php artisan
schedule:run` in `current`, as cron would) just before the ship; one the lab's own scheduler
starts at :00 meanwhile only adds another old process of the same kind, which the assertions
allow."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.lab.procs import wait_until
from tests.lab.reconfig import worker_program

from .conftest import LAB_KINDS, deploytool, job_stream, ship, write_inventory
from .drain_fleet import BASE, fleet_on_v1
from .running import finish, read_until, start_ship, started
from .test_doctor import bad, doctor

pytestmark = pytest.mark.lab

HOSTS = ("h1", "h2", "h3")
DEPLOY = "/var/www/app"
LONG = 15  # seconds the scheduled command works in the first test (from the cache step on)
KINDS = LAB_KINDS


def kinds_inventory(lab, tmp_path: Path, name: str, **scheduled_drain) -> Path:
    kinds = [dict(k) for k in KINDS]
    kinds[2]["drain"] = {**kinds[2]["drain"], **scheduled_drain}
    return write_inventory(
        lab, tmp_path / f"{name}.yml", workers=kinds, drain={"poll": "0.5s"}, **BASE
    )


def every_kind_on_v1(lab, tmp_path: Path, long_seconds: float) -> tuple[str, dict]:
    """v1 shipped, queue workers, scheduler and daemon running everywhere; -> (v1, pids of the
    scheduler and daemon per host)."""
    _, v1 = fleet_on_v1(lab, tmp_path)
    lab.kinds.set_long_seconds(long_seconds)
    for program in ("scheduler", "daemon"):
        lab.kinds.start(program)
    pids = {h: {p: lab.kinds.pid(h, p) for p in ("scheduler", "daemon")} for h in HOSTS}
    return v1, pids


def long_from_v1(lab, host: str, v1: str | None = None):
    """One `schedule:run` now on `host`, as cron would start it: in `current`, or in the v1
    release directory when `v1` is given (a ship may be switching `current` meanwhile); its
    ledger:long runs from v1. -> its start Run."""
    t = time.time()
    if v1 is None:
        lab.kinds.run_schedule(host)
    else:
        lab.run(
            host,
            ["sh", "-c", "setsid php artisan schedule:run >/dev/null 2>&1 </dev/null &"],
            cwd=f"{DEPLOY}/releases/{v1}",
            check=True,
        )
    return lab.kinds.wait_for_run(host, "long", "start", timeout=30, after=t)


def test_every_kind_holds_the_drain_per_its_kind_and_no_job_or_unit_is_cut(lab, tmp_path):
    v1, pids = every_kind_on_v1(lab, tmp_path, long_seconds=LONG)
    inv = kinds_inventory(lab, tmp_path, "kinds")
    with job_stream(lab, 3, 1.5, 0.5) as dispatched:  # 3 jobs of 1.5 s every ~0.5 s
        # the long command starts from v1 while the ship builds caches, a few seconds before the
        # switch and the drain: what a schedule:run of the old release started just before a
        # deploy does, without waiting for the scheduler's :00
        running = start_ship(inv, "--ref", "v2")
        seen = read_until(running, started("cache"))
        long = long_from_v1(lab, "h2", v1)
        seen += read_until(running, started("drain"))
        still = lab.run("h2", ["kill", "-0", str(long.pid)], user="root").returncode == 0
        shipped = finish(running, seen)
    assert still, f"ledger:long ended before the drain began: the steps took over {LONG}s"
    assert shipped.code == 0, shipped
    v2 = shipped.release
    assert long.release == v1

    # the scheduler and the daemon got SIGTERM from the drain, every host, each its v1 process
    signalled = {
        (e["worker_kind"], e["host"]): (e["pid"], e["release"], e["ok"], e["detail"])
        for e in shipped.of("Escalated")
    }
    assert {k for k, _ in signalled} == {"scheduler", "daemon"}
    for h in HOSTS:
        for program in ("scheduler", "daemon"):
            assert signalled[(program, h)] == (pids[h][program], v1, True, "SIGTERM sent")
    assert not [e for e in shipped.of("Escalated") if e["pid"] == long.pid]  # `none`: untouched

    # the long command from v1 held the drain: seen old with its kind, waited for to its end
    seen = [
        w
        for p in shipped.of("DrainProgress")
        for w in p["old"]
        if (w["host"], w["pid"]) == ("h2", long.pid)
    ]
    assert seen and {(w["kind"], w["release"]) for w in seen} == {("scheduled", v1)}
    # (the lab's own scheduler may have started another from v1 at :00: this one's end is ours)
    ended = wait_until(
        lambda: next(
            (r for r in lab.kinds.runs("h2", "long") if r.pid == long.pid and r.event == "finish"),
            None,
        ),
        5,
        "the long command's finish",
    )
    assert ended.extra["seconds"] == LONG  # ran to its end
    drained = shipped.of("DrainFinished")[0]
    assert drained["ok"] and drained["at"] >= ended.at
    by_kind = {k: (seconds, old, sent) for k, seconds, old, sent in drained["kinds"]}
    assert by_kind["scheduled"][0] == max(s for s, _, _ in by_kind.values())  # held longest
    assert by_kind["scheduled"][1] >= 1
    assert (by_kind["scheduler"][2], by_kind["daemon"][2]) == (3, 3)

    # each v1 daemon finished the unit it was in when signalled, then exited; v2 ones run
    for h in HOSTS:
        mine = [r for r in lab.kinds.runs(h, "daemon") if r.pid == pids[h]["daemon"]]
        events = [r.event for r in mine]
        assert "signal" in events and events[-1] == "exit", events
        cut = {r.extra["unit"] for r in mine if r.event == "unit-start"} - {
            r.extra["unit"] for r in mine if r.event == "unit-finish"
        }
        assert cut == set(), f"{h}: unit(s) {cut} cut mid-work"
        unit = next(r for r in mine if r.event == "signal").extra["unit"]
        assert any(r.event == "unit-finish" and r.extra["unit"] == unit for r in mine)
        back = lab.kinds.wait_for_run(h, "daemon", "start", timeout=30, after=long.at)
        assert back.release == v2

    # queue workers: nothing lost or interrupted with jobs flowing through the same ship
    account = lab.wait_for_ledger(dispatched, timeout=90)
    assert account.lost == [] and account.interrupted == [] and account.duplicated == [], account

    # drain-status lists every kind per host, all on v2 now
    status = deploytool("drain-status", "lab", "-i", str(inv), "--json", "--no-queues")
    assert status.code == 0, status
    snap = json.loads(status.stdout)
    assert snap["kinds"] == ["queue", "scheduler", "scheduled", "daemon"]
    for host in snap["hosts"]:
        counts = {k["kind"]: (k["old"], k["new"]) for k in host["kinds"]}
        assert counts["queue"] == (0, 2) and counts["scheduler"] == counts["daemon"] == (0, 1)


def test_a_short_deadline_for_one_kind_fails_the_ship_naming_kind_host_pid_and_release(
    lab, tmp_path
):
    v1, _ = every_kind_on_v1(lab, tmp_path, long_seconds=40)
    inv = kinds_inventory(lab, tmp_path, "short", deadline="3s")
    long = long_from_v1(lab, "h3")
    try:
        shipped = ship(inv, "--ref", "v2")
        assert shipped.code == 7, shipped
        message = shipped.of("ShipFinished")[0]["message"]
        assert "h3 (scheduled)" in message.split("\n")[0]
        assert "old scheduled process(es) still running after the scheduled deadline of 3.0s" in (
            message
        )
        assert f"h3: pid {long.pid} release {v1}" in message and "(kind scheduled)" in message
        assert "(queue)" not in message.split("\n")[0]  # the queue workers had drained

        # drain-status lists it with its kind, old, next to every other kind (exit 9)
        status = deploytool("drain-status", "lab", "-i", str(inv), "--json", "--no-queues")
        assert status.code == 9, status
        h3 = next(h for h in json.loads(status.stdout)["hosts"] if h["host"] == "h3")
        old = [(w["kind"], w["pid"], w["release"]) for w in h3["workers"] if w["old"]]
        assert ("scheduled", long.pid, v1) in old
        assert {w["kind"] for w in h3["workers"]} >= {"queue", "scheduler", "daemon", "scheduled"}
        text = deploytool("drain-status", "lab", "-i", str(inv), "--no-queues")
        assert "by host and kind" in text.stdout and "scheduled" in text.stdout
    finally:
        lab.run("h3", ["kill", "-TERM", str(long.pid)], user="root")


def test_doctor_checks_each_kind_s_program_on_one_live_host_only(lab, tmp_path):
    every_kind_on_v1(lab, tmp_path, long_seconds=5)
    # no kind waits for scheduled commands: a scheduler stopped alone leaves them on the old
    # release. h1 and h3 stop theirs as a group; h2 is the lab's (no stopasgroup): caught there.
    inv = write_inventory(
        lab, tmp_path / "doctor.yml", workers=[k for k in KINDS if k["name"] != "scheduled"], **BASE
    )
    group = {"stopasgroup": "true", "killasgroup": "true"}
    with (
        worker_program(lab, "h1", program="scheduler", **group),
        worker_program(lab, "h3", program="scheduler", **group),
        worker_program(lab, "h3", program="daemon", autorestart="unexpected"),
    ):
        result, report = doctor(inv)
    assert result.code == 10, result
    failing = {(h, c) for h, c, s in bad(report) if s == "fail"}
    assert failing == {("h2", "scheduler.children"), ("h3", "kind.autorestart")}
    finding = next(
        f for f in report["findings"] if (f["host"], f["check"]) == ("h2", "scheduler.children")
    )
    assert "old code runs unnoticed" in finding["message"] and "restart: none" in finding["fix"]
    declared = {
        (f["host"], f["status"]) for f in report["findings"] if f["check"] == "kind.declared"
    }
    assert declared == {(h, "pass") for h in HOSTS}
