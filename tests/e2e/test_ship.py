"""The ship issue's acceptance tests, on the real lab: real sshd hosts, real Laravel workers under
supervisord, real Redis and MariaDB. Host state is read with testinfra over SSH where it fits."""

from __future__ import annotations

import pytest
import testinfra

from tests.lab.procs import wait_until

from .conftest import (
    E2E_PREFIX,
    current_of,
    deploytool,
    job_stream,
    releases_of,
    ship,
    untouched_port,
    write_inventory,
)

pytestmark = pytest.mark.lab


def host_of(lab, name):
    return testinfra.get_host(f"ssh://{name}", ssh_config=str(lab.ssh_config))


def old_and_new_workers(lab, release):
    """(old, new) worker pids across the fleet, by /proc/PID/cwd as root sees it in each host."""
    old, new = [], []
    for h in lab.hosts:
        for state, pid in lab.worker_status(h).values():
            if state != "RUNNING" or pid is None:
                continue
            cwd = lab.run(h, ["readlink", f"/proc/{pid}/cwd"], user="root").stdout.strip()
            (new if cwd.endswith(release) else old).append((h.name, pid, cwd))
    return old, new


def test_ship_v2_while_jobs_flow_loses_nothing_and_leaves_no_old_worker(lab, fresh, tmp_path):
    v1 = current_of(lab)["h1"]
    with job_stream(
        lab, 4, 2.0, 0.7
    ) as dispatched:  # 4 jobs of 2 s every ~0.7 s through the whole ship
        result = ship(fresh, "--ref", "v2")
    assert result.code == 0, result
    v2 = result.release
    assert v2 != v1 and current_of(lab) == {"h1": v2, "h2": v2, "h3": v2}

    account = lab.wait_for_ledger(dispatched, timeout=120)
    assert account.lost == [] and account.interrupted == [] and account.duplicated == [], account
    versions = {r.version for r in lab.ledger() if r.finished}
    assert versions == {"v1", "v2"}, versions  # jobs completed on both code versions

    # The drain saw old workers and ended with none; now every worker runs the new release.
    progress = result.of("DrainProgress")
    assert progress[0]["old"] and not progress[-1]["old"]
    wait_until(
        lambda: all(
            len(lab.worker_status(h)) == 2
            and all(s == "RUNNING" for s, _ in lab.worker_status(h).values())
            for h in lab.hosts
        ),
        30,
        "workers back to RUNNING",
    )
    old, new = old_and_new_workers(lab, v2)
    assert old == [] and len(new) == 6

    # The old release was kept while its workers ran: cleanup ran only after the drain finished.
    steps = [e["step"] for e in result.of("StepFinished")]
    assert steps.index("drain") < steps.index("cleanup")
    for name in ("h1", "h2", "h3"):
        h = host_of(lab, name)
        assert h.file("/var/www/app/current").linked_to == f"/var/www/app/releases/{v2}"
        assert h.file(f"/var/www/app/releases/{v1}").is_directory  # keep_releases: 3
        assert h.file(f"/var/www/app/releases/{v2}/.env").linked_to == "/var/www/app/shared/.env"


def test_a_long_job_holds_the_drain_until_the_deadline_and_nothing_is_killed(lab, fresh, tmp_path):
    inv = write_inventory(
        lab, tmp_path / "short.yml", drain={"deadline": "4s", "poll": "0.5s"}, keep_releases=1
    )
    v1 = current_of(lab)["h1"]
    seqs = lab.dispatch(1, 25.0, start=1000)
    row = wait_until(
        lambda: next((r for r in lab.ledger() if r.seq == 1000), None), 30, "the long job to start"
    )
    result = deploytool("ship", "lab", "-i", str(inv), "--ref", "v2")  # plain output, as in CI
    assert result.code == 7, result  # DRAIN_TIMEOUT
    out = result.stdout
    assert f"{row.host}: pid {row.pid} release {v1}" in out and "state " in out
    assert "nothing was killed" in out
    # the worker is alive and still on the old release; its job finishes there, uninterrupted
    alive = lab.run(row.host, ["kill", "-0", str(row.pid)])
    assert alive.returncode == 0
    assert (
        lab.run(row.host, ["readlink", f"/proc/{row.pid}/cwd"], user="root")
        .stdout.strip()
        .endswith(v1)
    )
    # cleanup did not run, so the old release (still in use) is there even with keep_releases: 1
    assert all(v1 in rels for rels in releases_of(lab).values())
    account = lab.wait_for_ledger(seqs, timeout=60)
    assert account.interrupted == [] and account.lost == []
    assert next(r for r in lab.ledger() if r.seq == 1000).version == "v1"


def test_a_broken_inventory_reports_every_error_and_connects_nowhere(tmp_path):
    # A real listening socket stands in for a host: the test fails if anything connects to it.
    with untouched_port() as port:
        inv = tmp_path / "inventory.yml"
        inv.write_text(BROKEN_INVENTORY.replace("PORT", str(port)))
        result = deploytool("ship", "lab", "-i", str(inv))
    assert result.code == 3, result
    err = result.stderr
    for expected in (
        "inventory.yml:5:18: application.keep_releases: expected an integer, got 'lots'",
        "inventory.yml:6:3: application.drian: unknown key (did you mean 'drain'?)",
        "inventory.yml:9:42: stages.lab.ssh.connect_timeout: expected a duration",
        ": stages.lab.hosts[0].rolez: unknown key (did you mean 'roles'?)",
    ):
        assert expected in err, err
    assert "Traceback" not in err + result.stdout


BROKEN_INVENTORY = """\
application:
  name: shop
  repository: /nowhere.git
  deploy_path: /var/www/app
  keep_releases: lots
  drian: {deadline: 1m}
stages:
  lab:
    ssh: {user: deploy, connect_timeout: soon}
    hosts:
      - {address: 127.0.0.1, port: PORT, migrate: true, rolez: [web]}
"""


@pytest.mark.parametrize("case", ["unknown", "changed"])
def test_an_unknown_or_changed_host_key_fails_before_any_change(lab, fresh, tmp_path, case):
    before_current, before_releases = current_of(lab), releases_of(lab)
    known = tmp_path / "known_hosts"
    lines = lab.known_hosts.read_text().splitlines()
    if case == "unknown":
        known.write_text(
            "\n".join(line for line in lines if not line.startswith(f"[{E2E_PREFIX}.2]")) + "\n"
        )
    else:  # h2's entry carries h3's key: exactly what a man in the middle looks like
        h3_entry = next(line for line in lines if line.startswith(f"[{E2E_PREFIX}.3]"))
        h3_key = h3_entry.split(" ", 1)[1]
        known.write_text(
            "\n".join(
                line
                if not line.startswith(f"[{E2E_PREFIX}.2]")
                else f"[{E2E_PREFIX}.2]:2222 {h3_key}"
                for line in lines
            )
            + "\n"
        )
    inv = write_inventory(lab, tmp_path / "inv.yml", ssh={"known_hosts": str(known)})
    result = ship(inv, "--ref", "v2")
    assert result.code == 5, result
    finished = result.of("ShipFinished")[0]
    assert finished["message"].startswith("h2: connect:")
    assert ("not in" if case == "unknown" else "CHANGED") in finished["message"]
    assert result.of("StepStarted") == []  # not even pull started
    assert current_of(lab) == before_current and releases_of(lab) == before_releases


@pytest.mark.parametrize("breakage", ["composer", "migrate"])
def test_a_failing_step_stops_the_pipeline_and_current_is_unchanged(lab, fresh, tmp_path, breakage):
    if breakage == "composer":
        tag, changes = "broken-composer", {"composer.json": "{ this is not json"}
    else:
        tag, changes = (
            "broken-migrate",
            {
                "database/migrations/2030_01_01_000000_explode.php": (
                    "<?php\nuse Illuminate\\Database\\Migrations\\Migration;\n"
                    "class Explode extends Migration {\n public function up() "
                    "{ throw new RuntimeException('migration exploded'); }\n}\n"
                )
            },
        )
    lab.commit_release(tag, changes, base="v2")
    before_current, before_releases = current_of(lab), releases_of(lab)
    # the gate is off here: an exploding migration also explodes under --pretend, and this test is
    # about the migrate step itself
    inv = write_inventory(lab, tmp_path / "inv.yml", migrations={"policy": "off"})
    result = ship(inv, "--ref", tag)
    assert result.code == 1, result
    failed = [e for e in result.of("StepFinished") if not e["ok"]]
    assert [e["step"] for e in failed] == ["install" if breakage == "composer" else "migrate"]
    assert "switch" not in [e["step"] for e in result.of("StepStarted")]
    assert current_of(lab) == before_current  # on every host
    assert releases_of(lab) == before_releases  # the half-built release was discarded
    if breakage == "migrate":
        assert "migration exploded" in result.of("ShipFinished")[0]["message"]
    old, new = old_and_new_workers(lab, before_current["h1"])
    assert old == [] and len(new) == 6  # workers untouched, still on v1


def test_shipping_the_same_ref_twice_is_safe(lab, fresh, tmp_path):
    first = ship(fresh, "--ref", "v2")
    assert first.code == 0, first
    second = ship(fresh, "--ref", "v2")
    assert second.code == 0, second
    assert first.release != second.release
    assert first.release.split("-")[1] == second.release.split("-")[1]  # same commit
    assert current_of(lab) == {n: second.release for n in ("h1", "h2", "h3")}
    for name in ("h1", "h2", "h3"):
        assert (
            host_of(lab, name)
            .file(f"/var/www/app/releases/{second.release}/VERSION")
            .content_string.strip()
            == "v2"
        )
