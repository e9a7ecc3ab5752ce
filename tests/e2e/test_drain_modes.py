"""Issue 5 on the real lab, how the restart reaches the fleet: a host the queue:restart signal never
reaches (another cache prefix) is named, then escalated by the ladder; the rolling signal mode
restarts host by host, keeps capacity at every census sample and loses no job. Real Laravel
workers under supervisord, jobs flowing; every wait polls with a deadline."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from deploytool.probes.census import census_command, parse_census

from .conftest import current_of, job_stream, ship
from .drain_fleet import DEPLOY, drain_inventory, fleet_on_v1

pytestmark = pytest.mark.lab


def census(lab, host: str):
    """The census probe, run as root inside the host (what deploytool parses, without SSH)."""
    c = census_command("artisan queue:work", DEPLOY)
    return parse_census(lab.run(host, list(c.argv), user="root", cwd="/").stdout, DEPLOY)


def test_a_host_the_restart_never_reaches_is_named_then_escalated(lab, tmp_path):
    def other_prefix_on_h3():
        env = lab.host("h3").app_dir / "shared" / ".env"
        env.write_text(
            env.read_text().replace("CACHE_PREFIX=lab_cache_", "CACHE_PREFIX=other_cache_")
        )

    inv, v1 = fleet_on_v1(lab, tmp_path, before_ship=other_prefix_on_h3)
    h3_pids = sorted(pid for _, pid in lab.worker_status("h3").values())
    policy = drain_inventory(
        lab,
        tmp_path,
        "reach",
        on_timeout="escalate",
        deadline="40s",
        unreached_after="2s",
        ladder=[{"after": "4s", "action": "term"}],
    )
    result = ship(policy, "--ref", "v2")
    assert result.code == 0, result

    notices = [e for e in result.of("DrainNotice") if e["topic"] == "unreached"]
    assert [e["host"] for e in notices] == ["h3"], result.of("DrainNotice")
    assert (
        "prefix 'other_cache_'" in notices[0]["message"]
        and "prefix 'lab_cache_' on h1" in notices[0]["message"]
    )
    events = [e for e in result.events if e["event"] in ("DrainNotice", "Escalated")]
    assert events.index(notices[0]) < min(
        i for i, e in enumerate(events) if e["event"] == "Escalated"
    )
    escalated = result.of("Escalated")
    assert {(e["action"], e["host"], e["release"]) for e in escalated} == {("term", "h3", v1)}
    assert sorted(e["pid"] for e in escalated) == h3_pids
    assert current_of(lab) == {n: result.release for n in ("h1", "h2", "h3")}


def test_rolling_signal_mode_keeps_capacity_and_loses_no_job(lab, tmp_path):
    inv, v1 = fleet_on_v1(lab, tmp_path)
    rolling = drain_inventory(
        lab, tmp_path, "rolling", restart_mode="signal", batch="1", deadline="40s"
    )
    samples: list[tuple[float, dict[str, int]]] = []

    def sample(stop):  # the census of every host, as often as it can be read
        with ThreadPoolExecutor(3) as pool:
            while not stop.is_set():
                got = dict(
                    zip(("h1", "h2", "h3"), pool.map(lambda h: census(lab, h), ("h1", "h2", "h3")))
                )
                samples.append(
                    (
                        time.monotonic(),
                        {
                            h: sum(1 for w in c.workers if w.state in ("running", "sleeping"))
                            for h, c in got.items()
                        },
                    )
                )

    with job_stream(lab, 3, 1.5, 0.5, sample) as dispatched:  # 3 jobs of 1.5 s every ~0.5 s
        result = ship(rolling, "--ref", "v2")
    assert result.code == 0, result
    assert not [e for e in result.of("CommandRan") if "queue:restart" in e["command"]]

    # capacity: at every sample some host had a live worker; never more than one host (the batch)
    # had none
    assert len(samples) > 20
    assert all(any(n > 0 for n in s.values()) for _, s in samples)
    assert all(sum(1 for n in s.values() if n == 0) <= 1 for _, s in samples), samples
    # host by host, in order, each batch only after the previous host drained and its new workers
    # came up
    batches = [e["host"] for e in result.of("DrainNotice") if e["topic"] == "batch"]
    assert batches == ["h1", "h2", "h3"]
    assert all(
        sum(1 for _, st in p["host_status"] if st == "draining") <= 1
        for p in result.of("DrainProgress")
    )
    signalled = result.of("Escalated")
    assert {(e["action"], e["release"], e["ok"]) for e in signalled} == {
        ("signal", v1, True)
    } and len(signalled) == 6

    account = lab.wait_for_ledger(dispatched, timeout=90)
    assert account.lost == [] and account.interrupted == [] and account.duplicated == [], account
    assert {r.version for r in lab.ledger() if r.finished} == {"v1", "v2"}
