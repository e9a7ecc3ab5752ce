"""Cancellation on the real lab: SIGINT at every step in turn, SIGTERM, and a second SIGINT.

Each case asserts the exit code, the lock released, every host's `current` the same, no
process a deploytool run started left on any host, and that a following ship succeeds. The
cases share one shipped fleet (module fixture): each leaves it consistent for the next, which
is itself part of what is tested.
"""

from __future__ import annotations

import signal

import pytest

from tests.lab.procs import wait_until

from .conftest import current_of, releases_of, ship, write_inventory
from .running import SLOW_INSTALL, finish, lock_status, our_processes, read_until, start_ship

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def fleet(lab, tmp_path_factory):
    lab.reset_app_state()
    d = tmp_path_factory.mktemp("cancel")
    plain = write_inventory(lab, d / "plain.yml", migrations={"policy": "off"})
    slow = write_inventory(
        lab, d / "slow.yml", install_command=SLOW_INSTALL, migrations={"policy": "off"}
    )
    assert ship(plain, "--ref", "v1").code == 0
    lab.start_workers()
    return plain, slow


STEPS = [
    "pull",
    "install",
    "check-migrations",
    "migrate",
    "cache",
    "switch",
    "restart-queue",
    "drain",
    "cleanup",
]


@pytest.mark.parametrize(
    "sig, step, twice",
    [(signal.SIGINT, s, False) for s in STEPS]
    + [
        (signal.SIGTERM, "install", False),
        (signal.SIGTERM, "drain", False),
        (signal.SIGINT, "install", True),
    ],
)
def test_a_signal_at_any_step_leaves_a_consistent_fleet_and_no_lock(lab, fleet, sig, step, twice):
    plain, slow = fleet
    inv = slow if step == "install" else plain  # a 4 s install: the signal lands mid-command
    before = current_of(lab)
    if step == "drain":
        lab.dispatch(1, 8.0, start=500 + len(lab.ledger()))  # a busy worker keeps the drain going
        wait_until(lambda: any(r.finished_at is None for r in lab.ledger()), 30, "the job to start")
    proc = start_ship(inv, "--ref", "v2")
    seen = read_until(proc, lambda e: e["event"] == "StepStarted" and e["step"] == step)
    proc.send_signal(sig)
    if twice:
        proc.send_signal(sig)
    result = finish(proc, seen)
    ended = result.of("ShipFinished")[0]
    if ended["ok"]:  # the step finished before the signal landed and so did the rest: allowed
        assert step in ("cleanup",), result
    else:
        assert result.code == (143 if sig == signal.SIGTERM else 130), result
        assert "interrupted by signal" in ended["message"]
    after = current_of(lab)
    assert len(set(after.values())) == 1, after  # never half switched
    switched = any(
        e["event"] == "StepFinished" and e["step"] == "switch" and e["ok"] for e in result.events
    )
    assert (after != before) == switched
    assert "unlocked" in lock_status(inv)
    wait_until(
        lambda: not any(our_processes(lab).values()),
        10,
        "no deploytool-started process on any host",
    )
    if not switched:  # the half-built release is gone
        assert all(result.release not in r for r in releases_of(lab).values()), (
            result,
            releases_of(lab),
        )
    again = ship(plain, "--ref", "v2")
    assert again.code == 0, again
