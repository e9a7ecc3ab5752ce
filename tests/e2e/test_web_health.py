"""Health-gated rollout on the real lab: a release whose health check fails is rolled back on
every host it touched, under HTTP load with jobs flowing: the load sees the old release again
with no failed request, the workers drain onto the old release, the exit code and the message
are the documented ones; with a canary only the canary host is ever switched."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab.procs import wait_until

from .conftest import current_of
from .test_ship import old_and_new_workers
from .web_fleet import lab_web_back, ship_under_load, v1_fleet, web_inventory

pytestmark = pytest.mark.lab

CONTROLLER = Path(__file__).parents[1] / "lab/app/app/Http/Controllers/StatusController.php"
HEALTH = [{"url": "/health", "body": '"status":"ok"', "retries": 1, "interval": "0.5s"}]


@pytest.fixture(scope="module")
def unhealthy(lab, tmp_path_factory):
    """v1 everywhere, workers running, and a tag whose /health answers 200 but says `broken`
    (a 5xx would count as a failed request in the load; this is what a health check is for)."""
    src = CONTROLLER.read_text()
    broken = src.replace("'status' => 'ok',", "'status' => 'broken',")
    assert broken != src
    rel = "app/Http/Controllers/StatusController.php"
    lab.commit_release("v3-unhealthy", {"VERSION": "v3\n", rel: broken}, base="v2")
    inv = web_inventory(lab, tmp_path_factory.mktemp("health") / "inventory.yml")
    with lab_web_back(lab):
        v1_fleet(lab, inv)
        yield "v3-unhealthy"


def check_rolled_back(lab, shipped, touched: list[str], before: dict[str, str]):
    result, load = shipped.result, shipped.load
    assert result.code == 11, result  # UNHEALTHY_ROLLED_BACK
    message = result.of("ShipFinished")[0]["message"]
    old = before["h1"]
    assert message.startswith("health check failed: h1: GET http://"), message
    assert '/health answered 200: {"status":"broken"' in message
    assert 'without \'"status":"ok"\' in its body (2 attempt(s))' in message
    assert f"rolled back {', '.join(touched)} from {result.release} to {old}" in message
    assert "migrations were NOT reverted" in message
    (back,) = result.of("RolledBack")
    assert back["ok"] and back["hosts"] == touched and back["to"] == old
    assert current_of(lab) == before
    # the load: nothing failed; once the ship was done, only the old release answered
    assert load.failed == [], load.text()
    after = load.served_after(shipped.done_at)
    assert after and {r.release for r in after} == {old}, load.text()
    # the rollback drained the workers onto the old release, and no job was lost
    drains = result.of("DrainFinished")
    assert drains and drains[-1]["ok"]
    wait_until(
        lambda: all(
            len(st := lab.worker_status(h)) == 2 and all(s == "RUNNING" for s, _ in st.values())
            for h in lab.hosts
        ),
        30,
        "workers back to RUNNING",
    )
    old_workers, new_workers = old_and_new_workers(lab, old)
    assert old_workers == [] and len(new_workers) == 2 * len(lab.hosts)
    acc = shipped.account
    assert acc.lost == [] and acc.interrupted == [] and acc.duplicated == [], acc
    return load


def test_a_failing_health_check_rolls_every_host_back(lab, unhealthy, tmp_path):
    inv = web_inventory(lab, tmp_path / "inventory.yml", health=HEALTH)
    before = current_of(lab)
    shipped = ship_under_load(lab, inv, unhealthy, path="/health", rate=20)
    check_rolled_back(lab, shipped, ["h1", "h2", "h3"], before)
    forward = shipped.result.of("StepStarted")
    assert [e["hosts"] for e in forward if e["step"] == "switch"] == [["h1", "h2", "h3"]] * 2


def test_with_a_canary_only_the_canary_is_touched(lab, unhealthy, tmp_path):
    inv = web_inventory(lab, tmp_path / "inventory.yml", health=HEALTH, rollout={"canary": 1})
    before = current_of(lab)
    shipped = ship_under_load(lab, inv, unhealthy, path="/health", rate=20)
    load = check_rolled_back(lab, shipped, ["h1"], before)
    switches = [e["hosts"] for e in shipped.result.of("StepStarted") if e["step"] == "switch"]
    assert switches == [["h1"], ["h1"]]  # there and back
    batches = shipped.result.of("RolloutBatch")
    assert [(b["hosts"], b["canary"]) for b in batches] == [(["h1"], True)]
    # h2 and h3 never served the unhealthy release; the canary did, for a moment
    assert {r.version for r in load.responses if r.target != "h1" and not r.failed} == {"v1"}
    assert "v3" in {r.version for r in load.responses if r.target == "h1"}
    message = shipped.result.of("ShipFinished")[0]["message"]
    assert "h2, h3 were never switched" in message
