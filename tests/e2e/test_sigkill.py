"""deploytool SIGKILLed on the real lab (no handler runs, no lock released, nothing cleaned): the
next ship or rollback takes the expired lease over naming the dead owner, stops the remote
commands the dead run left (by the token in the lock's record), removes its half-built release
and finishes; a fleet left half switched is repaired, and the output says so.

The cases share one fleet (module fixture); each leaves it consistent for the next. Leases are
3 s, so a takeover comes fast; the recovering run queues with --wait-lock rather than sleeping.
"""

from __future__ import annotations

import signal
import time

import pytest

from deploytool.config.playbook import builtin_playbooks, load_playbook
from deploytool.steps import REGISTRY
from tests.lab import faults
from tests.lab.procs import wait_until

from .conftest import current_of, deploytool, releases_of, ship, write_inventory
from .running import (
    our_processes,
    read_until,
    release_once,
    slow_migration_release,
    start_ship,
    started,
)
from .test_maintenance import down_file, migration

pytestmark = pytest.mark.lab

LEASE = "3s"
# the install outlives its ship by far: the next ship must stop it (it would still be running)
LONG_INSTALL = [
    "sh",
    "-c",
    "composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction && sleep 60",
]
FIGURES: dict[str, float] = {}


@pytest.fixture(scope="module")
def fleet(lab, tmp_path_factory):
    lab.reset_app_state()
    d = tmp_path_factory.mktemp("sigkill")
    plain = write_inventory(lab, d / "plain.yml", lock_lease=LEASE, migrations={"policy": "off"})
    slow = write_inventory(
        lab,
        d / "slow.yml",
        lock_lease=LEASE,
        install_command=LONG_INSTALL,
        migrations={"policy": "off"},
    )
    assert ship(plain, "--ref", "v1").code == 0
    lab.start_workers()
    yield plain, slow
    if FIGURES:
        print("\nrecovery after a SIGKILL, seconds from the kill to the next run's exit 0:")
        for k, v in FIGURES.items():
            print(f"  {k}: {v:.1f}")


def kill(proc) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def recovered(result, victim) -> str:
    """The takeover warning names the dead run; the recovery warning says what was done."""
    warnings = [w["message"] for w in result.of("Warning")]
    took = [w for w in warnings if w.startswith("took over the stage lock")]
    assert took and f"pid {victim.pid}" in took[0], warnings
    after = [w for w in warnings if w.startswith("after the previous deploy:")]
    assert after, warnings
    return after[0]


# every step of the built-in pipeline, read from it: a step added there is killed here too
STEPS = [s.name for s in load_playbook(builtin_playbooks() / "laravel.yml", tuple(REGISTRY)).steps]


@pytest.mark.parametrize("step", STEPS)
def test_a_ship_killed_at_any_step_is_recovered_by_the_next_ship(lab, fleet, step):
    plain, slow = fleet
    ref = "v2"
    if step == "migrate":  # a migration that runs for 8 s: killed in the middle of it
        ref = slow_migration_release(lab, "v2-slowmig8", 8)
    if step == "drain":
        lab.dispatch(1, 8.0, start=900 + len(lab.ledger()))  # a busy worker keeps the drain going
        wait_until(lambda: any(r.finished_at is None for r in lab.ledger()), 30, "the job to start")
    victim = start_ship(slow if step == "install" else plain, "--ref", ref)
    seen = read_until(victim, started(step))
    dead_release = next((e["release"] for e in seen if e["event"] == "ReleaseResolved"), "")
    if step in ("install", "migrate"):  # its command is under way on the host
        wait_until(lambda: any(our_processes(lab).values()), 10, "the step's command to run")
    kill(victim)
    t0 = time.monotonic()
    result = ship(plain, "--ref", ref, "--wait-lock", "1m")
    FIGURES[f"killed in {step}"] = time.monotonic() - t0
    assert result.code == 0, result
    said = recovered(result, victim)
    if step in ("install", "migrate"):
        assert "stopped the processes it left running on" in said, said
    if step == "migrate":
        assert "the migration may have partly run" in said, said
    after = current_of(lab)
    assert set(after.values()) == {result.release}, after  # one release everywhere: the new one
    wait_until(lambda: not any(our_processes(lab).values()), 10, "no deploytool process left")
    if dead_release and step in STEPS[: STEPS.index("switch")]:  # never switched: gone
        assert all(dead_release not in r for r in releases_of(lab).values()), said
        assert f"removed its half-built release {dead_release}" in said, said


def test_an_expired_lock_released_by_hand_puts_right_what_its_dead_holder_left(lab, fleet):
    """`deploytool lock release` of a dead run's expired lock: the record goes with the lock, so
    the release must do what a takeover would (stop its commands, remove its half-built release)."""
    plain, slow = fleet
    victim = start_ship(slow, "--ref", "v2")
    seen = read_until(victim, started("install"))
    dead_release = next(e["release"] for e in seen if e["event"] == "ReleaseResolved")
    wait_until(lambda: any(our_processes(lab).values()), 10, "the install to run")
    kill(victim)
    status = lambda: deploytool("lock", "status", "lab", "-i", str(plain)).stdout  # noqa: E731
    wait_until(lambda: "expired" in status(), 30, "the dead run's lease to expire")
    released = deploytool("lock", "release", "lab", "-i", str(plain))
    assert released.code == 0, released
    said = released.stdout
    assert f"pid {victim.pid}" in said and "stopped the processes it left running on" in said, said
    assert f"removed its half-built release {dead_release}" in said, said
    wait_until(lambda: not any(our_processes(lab).values()), 10, "no deploytool process left")
    assert all(dead_release not in r for r in releases_of(lab).values())
    assert "unlocked" in status()


@pytest.mark.parametrize("repair", ["ship", "rollback"])
def test_a_ship_killed_in_the_middle_of_its_switch_is_repaired(lab, fleet, repair):
    """h3's switch is held (its `mv` waits) while h1 and h2 switch; then deploytool is killed:
    the fleet is half switched, and the next run says so and repairs it."""
    plain, _ = fleet
    h3 = lab.hosts[2]
    before = current_of(lab)
    assert len(set(before.values())) == 1
    with faults.held(lab, h3, "/usr/bin/mv", ".current.tmp"):
        victim = start_ship(plain, "--ref", "v2")
        seen = read_until(victim, started("switch"))
        new = next(e["release"] for e in seen if e["event"] == "ReleaseResolved")
        wait_until(
            lambda: [current_of(lab)[h] for h in ("h1", "h2")] == [new, new],
            30,
            "h1 and h2 to switch",
        )
        kill(victim)
    half = current_of(lab)
    assert half == {"h1": new, "h2": new, "h3": before["h3"]}, half
    t0 = time.monotonic()
    if repair == "ship":
        result = ship(plain, "--ref", "v2", "--wait-lock", "1m")
    else:
        result = deploytool("rollback", "lab", "-i", str(plain), "--json", "--wait-lock", "1m")
    FIGURES[f"half-switched, repaired by {repair}"] = time.monotonic() - t0
    assert result.code == 0, result
    said = recovered(result, victim)
    assert f"kept its release {new}: h1, h2 run it" in said, said
    warnings = " | ".join(w["message"] for w in result.of("Warning"))
    where = f"h3 -> {before['h3']}; h1, h2 -> {new}"
    assert f"the hosts run different releases ({where})" in warnings, warnings
    after = current_of(lab)
    if repair == "ship":
        assert set(after.values()) == {result.release}, after
    else:
        assert "moving h1, h2 back to " + before["h3"] in warnings, warnings
        assert set(after.values()) == {before["h3"]}, after


def test_a_ship_killed_while_the_app_is_down_leaves_it_to_the_next_ship_to_lift(
    lab, fleet, tmp_path
):
    """maintenance: auto and a release that drops a column the old code reads: the ship goes down
    for its migrate and is killed right after it (in cache). The next ship finds nothing left to
    migrate, so it needs no downtime of its own; it adopts the dead run's and lifts it after its
    drain (without that, the app would stay down for good)."""
    tag = release_once(lab, "sk-drop", migration("sk_drop", "$table->dropColumn('name');"))
    inv = write_inventory(
        lab,
        tmp_path / "maintenance.yml",
        lock_lease=LEASE,
        maintenance="auto",
        migrations={"policy": "warn"},
    )
    victim = start_ship(inv, "--ref", tag)
    seen = read_until(victim, started("cache"))
    assert any(e["event"] == "Maintenance" and e["state"] == "down" for e in seen), seen[-5:]
    kill(victim)
    assert all(down_file(h).exists() for h in lab.hosts)  # left down by the dead run
    t0 = time.monotonic()
    result = ship(inv, "--ref", tag, "--wait-lock", "1m")
    FIGURES["killed while down, lifted by the next ship"] = time.monotonic() - t0
    assert result.code == 0, result
    said = recovered(result, victim)
    assert "it left the app in maintenance mode on h1, h2, h3: this run keeps it down" in said
    lifted = [e for e in result.of("Maintenance") if e["state"] == "up"]
    assert lifted and lifted[0]["hosts"] == ["h1", "h2", "h3"], result.of("Maintenance")
    assert not any(down_file(h).exists() for h in lab.hosts)
    assert set(current_of(lab).values()) == {result.release}
