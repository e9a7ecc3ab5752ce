"""One definition of an old worker: the same census gets the same verdict from the ship's drain,
from drain-status and from plan (they once disagreed on unreadable cwds and zombies)."""

from __future__ import annotations

from deploytool.commands.plan import workers_doc
from deploytool.drain import classify, verdict
from deploytool.drain.status import snapshot
from deploytool.probes.census import Census, Worker

NEW, OLD, SWITCH = "20261201T100000Z-bbbbbbb", "20261130T100000Z-aaaaaaa", 1_700_000_000.0


def w(pid, release, started, state="sleeping"):
    cwd = "/app/releases/" + release if release != "?" else "?"
    return Worker(
        pid,
        1001,
        cwd,
        release,
        state,
        started,
        5.0,
        0.1,
        False,
        False,
        "php artisan queue:work",
        1,
        pid,
    )


CENSUS = Census(
    uptime=1000.0,
    current=NEW,
    switched_at=SWITCH,
    workers=(
        w(1, OLD, SWITCH - 60),  # the old release: old
        w(2, NEW, SWITCH + 2),  # the new one: new
        w(3, "?", SWITCH - 5),  # cwd unreadable, started before the switch: old
        w(4, "?", SWITCH + 5),  # cwd unreadable, started after it: new
        w(5, OLD, SWITCH - 60, state="zombie"),  # already exited: neither
    ),
)


def test_ship_drain_status_and_plan_agree_on_which_workers_are_old():
    ship_old, ship_new = classify({"h1": CENSUS}, NEW, SWITCH)
    ship = {o.worker.pid for o in ship_old}
    status = snapshot("prod", {"h1": CENSUS}, {}, None, ["h1"])["hosts"][0]["workers"]
    plan = workers_doc(CENSUS)
    assert ship == {1, 3}
    assert {x["pid"] for x in status if x["old"]} == ship
    assert {x["pid"] for x in plan if not x["current"]} == ship
    # the zombie is nobody's worker; the others are new everywhere
    assert ship_new == 2
    assert {x["pid"] for x in status if not x["old"]} == {2, 4}
    assert {x["pid"] for x in plan if x["current"]} == {2, 4}


def test_verdict_defaults_to_the_hosts_own_current_and_switch_time():
    old, new = verdict(CENSUS)
    assert [x.pid for x in old] == [1, 3] and [x.pid for x in new] == [2, 4]
    # a ship judges against the release it switched to, whatever `current` says by now
    old, _ = verdict(CENSUS, OLD, SWITCH)
    assert [x.pid for x in old] == [2, 3]
