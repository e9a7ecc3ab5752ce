"""--limit on the real lab: a ship touches only the selected hosts (the others keep their release
and their worker pids), the migration-host refusal and --no-migrate, drain-status on the mixed
fleet that leaves and with --limit, plan with --limit. One shipped fleet, the tests in order."""

from __future__ import annotations

import json

import pytest

from .conftest import current_of, deploytool, ship, write_inventory

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def fleet(lab, tmp_path_factory):
    lab.reset_app_state()
    inv = write_inventory(lab, tmp_path_factory.mktemp("limit") / "inventory.yml")
    first = ship(inv, "--ref", "v1")
    assert first.code == 0, first
    lab.start_workers()
    return inv, first.release


def pids(lab, name) -> list[int]:
    return sorted(p for _, p in lab.worker_status(name).values() if p)


def test_leaving_out_the_migration_host_is_refused_before_connecting(lab, fleet):
    inv, v1 = fleet
    result = ship(inv, "--ref", "v2", "--limit", "h2,h3")
    assert result.code == 2, result
    assert "--limit leaves out h1, the migration host" in result.stderr
    assert "--no-migrate" in result.stderr
    assert result.events == []  # not even ShipStarted: nothing was connected
    assert current_of(lab) == {"h1": v1, "h2": v1, "h3": v1}


@pytest.mark.parametrize("selector", ["nope", "role:db"])
def test_an_unknown_host_or_role_is_a_usage_error_naming_what_exists(fleet, selector):
    inv, _ = fleet
    result = ship(inv, "--ref", "v2", "--limit", selector, "--no-migrate")
    assert result.code == 2, result
    assert ("its hosts: h1, h2, h3" if selector == "nope" else "its roles: web, worker") in (
        result.stderr
    )


def test_a_limited_ship_touches_only_the_selected_hosts(lab, fleet):
    inv, v1 = fleet
    h1_pids = pids(lab, "h1")
    result = ship(inv, "--ref", "v2", "--limit", "h2,h3", "--no-migrate")
    assert result.code == 0, result
    v2 = result.release
    assert current_of(lab) == {"h1": v1, "h2": v2, "h3": v2}
    assert not (lab.host("h1").app_dir / "releases" / v2).exists()  # not even built there
    assert pids(lab, "h1") == h1_pids  # h1's workers were never restarted
    assert result.of("ShipStarted")[0]["hosts"] == ["h2", "h3"]
    warned = [e for e in result.of("Warning") if e["host"] == "h1"]
    assert "connects to it for the lock only" in warned[0]["message"]
    steps = {e["step"]: e["detail"] for e in result.of("StepFinished")}
    assert steps["migrate"] == "skipped (--no-migrate)"
    assert steps["restart-queue"].startswith("signal mode (--limit:")
    drained = result.of("DrainFinished")[-1]
    assert drained["ok"]
    lines = lab.run("h1", ["cat", "/var/www/app/.deploytool/audit.log"]).stdout.splitlines()
    assert not any(v2 in line for line in lines)  # no audit line on an unselected host


def test_drain_status_shows_the_mixed_fleet_and_limits_to_the_selected_hosts(lab, fleet):
    inv, v1 = fleet
    v2 = current_of(lab)["h2"]
    whole = deploytool("drain-status", "lab", "-i", str(inv), "--no-queues")
    assert whole.code == 0, whole  # each host's workers run its own current release
    assert f"mixed fleet: {v2} on h2, h3; {v1} on h1" in whole.stdout
    doc = json.loads(deploytool("drain-status", "lab", "-i", str(inv), "--json").stdout)
    assert doc["releases"] == {v2: ["h2", "h3"], v1: ["h1"]}
    assert doc["queues"]["host"] == "h1"
    one = deploytool("drain-status", "lab", "-i", str(inv), "--limit", "h3", "--json")
    doc = json.loads(one.stdout)
    assert [h["host"] for h in doc["hosts"]] == ["h3"] and doc["outside_limit"] == ["h1", "h2"]
    assert doc["queues"]["host"] == "h3"  # the migration host is left out: read from h3


def test_plan_and_doctor_with_limit(lab, fleet):
    inv, _ = fleet
    plan = deploytool("plan", "lab", "-i", str(inv), "--limit", "role:worker", "--json")
    doc = json.loads(plan.stdout)
    assert [h["host"] for h in doc["hosts"]] == ["h1", "h2", "h3"]
    plan = deploytool("plan", "lab", "-i", str(inv), "--limit", "h2", "--json")
    doc = json.loads(plan.stdout)
    assert plan.code == 0, plan
    assert [h["host"] for h in doc["hosts"]] == ["h2"]
    assert "outside --limit" in doc["migrations"]["why"]
    doctor = deploytool("doctor", "lab", "-i", str(inv), "--limit", "h3", "--json")
    findings = json.loads(doctor.stdout)["findings"]
    assert findings and {f["host"] for f in findings if f["host"]} == {"h3"}, findings


def test_a_ship_limited_to_the_rest_makes_the_fleet_whole_again(lab, fleet):
    inv, _ = fleet
    result = ship(inv, "--ref", "v2", "--limit", "h1")
    assert result.code == 0, result
    assert set(current_of(lab).values()) == {result.release} | {current_of(lab)["h2"]}
    steps = {e["step"]: e["detail"] for e in result.of("StepFinished")}
    assert steps["migrate"] == "on h1"
