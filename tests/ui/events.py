"""A recorded ship, as events with fixed times: the input of the UI snapshot tests."""

from __future__ import annotations

from deploytool import events as ev

T0 = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC
HOSTS = ("h1", "h2", "h3")
STEPS = (
    "pull",
    "install",
    "check-migrations",
    "migrate",
    "cache",
    "switch",
    "restart-queue",
    "drain",
    "cleanup",
)
RELEASE, COMMIT = "20260101T000000Z-e3bbaff", "e3bbaff86aae723086ab00d614574299f3c34ab6"


def w(host: str, pid: int, age: float, state: str = "sleeping") -> ev.WorkerView:
    return ev.WorkerView(host, pid, "20251231T120000Z-3662ffa", True, state, age)


def step(name: str, start: float, took: float, detail: str = "", hosts=HOSTS, ok: bool = True):
    out = [ev.StepStarted(name, hosts, at=T0 + start)]
    for i, h in enumerate(hosts):
        out.append(
            ev.HostStepFinished(
                name,
                h,
                ok or i > 0,
                took - 0.01 * i,
                "" if ok or i else "boom",
                at=T0 + start + took,
            )
        )
    out.append(ev.StepFinished(name, ok, took, detail, at=T0 + start + took))
    return out


def shipped() -> list[ev.Event]:
    e: list[ev.Event] = [ev.ShipStarted("ship", "production", "v2", HOSTS, STEPS, at=T0)]
    e += step("pull", 0.1, 0.4, f"{RELEASE} (v2 = {COMMIT[:12]})")
    e.insert(-1, ev.ReleaseResolved(RELEASE, COMMIT, at=T0 + 0.3))
    e += step("install", 0.5, 0.9, "composer install --no-dev")
    e.append(
        ev.CommandRan(
            "h1", "install", "cd /var/www/app/releases/x && composer install", 0, 0.8, at=T0 + 1.3
        )
    )
    e += step("check-migrations", 1.4, 0.3, "1 pending migration(s), 0 finding(s)", hosts=("h1",))
    e += step("migrate", 1.7, 0.3, "on h1", hosts=("h1",))
    e += step("cache", 2.0, 1.1, "config:cache, route:cache")
    e += step("switch", 3.1, 0.1, f"current -> releases/{RELEASE}")
    e += step("restart-queue", 3.2, 0.2, "queue:restart on h1", hosts=("h1",))
    e.append(ev.StepStarted("drain", HOSTS, at=T0 + 3.4))
    old = (
        w("h1", 227, 60.0, "running"),
        w("h1", 228, 60.0),
        w("h2", 117, 58.0),
        w("h3", 117, 58.0),
    )
    e.append(ev.DrainProgress(0.5, 600.0, old, 2, (("h1", 2), ("h2", 1), ("h3", 1)), at=T0 + 3.9))
    e.append(ev.DrainProgress(1.5, 600.0, old[:2], 4, (("h1", 2),), at=T0 + 4.9))
    e.append(ev.DrainProgress(4.5, 600.0, old[:1], 5, (("h1", 1),), at=T0 + 7.9))
    e.append(ev.DrainFinished(True, 6.1, at=T0 + 9.5))
    e.append(ev.HostStepFinished("drain", "h1", True, 6.1, at=T0 + 9.5))
    e.append(ev.StepFinished("drain", True, 6.1, "no worker runs old code (6.1s)", at=T0 + 9.5))
    e += step("cleanup", 9.5, 0.1, "removed 1 release(s), kept 3 per host")
    durations = tuple((x.step, x.duration) for x in e if isinstance(x, ev.StepFinished))
    e.append(ev.ShipFinished(True, 0, 9.7, RELEASE, step_durations=durations, at=T0 + 9.7))
    return e


def failed() -> list[ev.Event]:
    e: list[ev.Event] = [ev.ShipStarted("ship", "production", "v3", HOSTS, STEPS, at=T0)]
    e += step("pull", 0.1, 0.4)
    e.append(
        ev.Warning("could not remove /var/www/app/releases/x: connection lost", "h3", at=T0 + 0.6)
    )
    e += step(
        "install",
        0.5,
        2.0,
        "h1: install: composer install failed with exit code 1:\n    Your lock file is out of sync",
        ok=False,
    )
    e.append(
        ev.ShipFinished(
            False,
            1,
            2.6,
            "",
            "h1: install: composer install failed with exit code 1:\n    Your "
            "lock file is out of sync",
            "fix composer.lock, then ship again",
            (("pull", 0.4), ("install", 2.0)),
            at=T0 + 2.6,
        )
    )
    return e
