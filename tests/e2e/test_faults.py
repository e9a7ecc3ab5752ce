"""Safe under faults, on the real lab: the deploy lock, cancellation at every step, lost and
blackholed hosts, a jump host, injection and secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.lab.procs import wait_until

from .conftest import AUDIT_LOG, Shipped, current_of, deploytool, ship, write_inventory

pytestmark = pytest.mark.lab

SLOW_INSTALL = [
    "sh",
    "-c",
    "composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction && sleep 4",
]


def start_ship(inv, *args, env=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "deploytool.cli", "ship", "lab", "-i", str(inv), "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "1", "DEPLOYTOOL_AUDIT_LOG": str(AUDIT_LOG), **(env or {})},
    )


def read_until(proc: subprocess.Popen, predicate, timeout: float = 120) -> list[dict]:
    """Read JSON events until one satisfies predicate (or the process ends)."""
    seen = []
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        if line.startswith("{"):
            ev = json.loads(line)
            seen.append(ev)
            if predicate(ev):
                return seen
        if time.monotonic() > deadline:
            break
    return seen


def finish(proc: subprocess.Popen, seen: list[dict], timeout: float = 120) -> Shipped:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Never leave a hung ship behind (it holds the lock for the next test); say where it hung.
        proc.kill()
        out, err = proc.communicate()
        tail = "\n".join(json.dumps(e) for e in seen[-10:]) + "\n" + out[-3000:]
        pytest.fail(
            f"the ship did not finish within {timeout:g}s; its last events:\n{tail}\nstderr:\n"
            f"{err[-3000:]}"
        )
    lines = [json.dumps(e) for e in seen] + out.splitlines()
    return Shipped(subprocess.CompletedProcess(proc.args, proc.returncode, "\n".join(lines), err))


def lock_status(inv) -> str:
    return deploytool("lock", "status", "lab", "-i", str(inv)).stdout


def our_processes(lab) -> dict[str, list[str]]:
    """Processes on each host that a deploytool run started (they carry DEPLOYTOOL_RUN)."""
    script = (
        'for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f" 2>/dev/null '
        '| grep -q "^DEPLOYTOOL_RUN=" && { p=${f#/proc/}; '
        'echo "${p%/environ} $(tr "\\0" " " < /proc/${p%/environ}/cmdline)"; }; done; true'
    )
    return {
        h.name: [
            line
            for line in lab.run(h, ["sh", "-c", script], user="root").stdout.splitlines()
            if line.strip()
        ]
        for h in lab.hosts
    }


# -- the lock -------------------------------------------------------------------------------------


def test_a_second_ship_fails_at_once_naming_the_holder_then_waits_with_wait_lock(
    lab, fresh, tmp_path
):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL)
    first = start_ship(inv, "--ref", "v2")
    seen = read_until(first, lambda e: e["event"] == "StepStarted" and e["step"] == "install")
    second = ship(inv, "--ref", "v2")
    assert second.code == 8, second
    msg = second.of("ShipFinished")[0]["message"]
    assert "stage lab is locked by" in msg and "shipping v2" in msg and f"pid {first.pid}" in msg
    assert second.of("StepStarted") == []
    waiter = ship(inv, "--ref", "v2", "--wait-lock", "2m")  # queued behind the first one
    assert finish(first, seen).code == 0
    assert waiter.code == 0, waiter
    assert "unlocked" in lock_status(inv)


def test_a_dead_holders_lock_is_taken_over_with_a_warning(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL, lock_lease="3s")
    victim = start_ship(inv, "--ref", "v2")
    read_until(victim, lambda e: e["event"] == "StepStarted" and e["step"] == "install")
    victim.kill()  # SIGKILL: no cleanup at all
    victim.communicate()
    assert "locked by" in lock_status(inv)
    wait_until(
        lambda: "expired" in lock_status(inv), 30, "the dead holder's lease to expire", interval=0.5
    )
    result = ship(inv, "--ref", "v2")
    assert result.code == 0, result
    warning = [
        w["message"] for w in result.of("Warning") if "took over the stage lock" in w["message"]
    ]
    assert warning and f"pid {victim.pid}" in warning[0]
    assert any(
        json.loads(entry)["action"] == "lock-takeover"
        for entry in AUDIT_LOG.read_text().splitlines()
    )


def test_force_releasing_a_live_lock_is_refused_without_force_and_audited_with_it(
    lab, fresh, tmp_path
):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL)
    holder = start_ship(inv, "--ref", "v2")
    seen = read_until(holder, lambda e: e["event"] == "StepStarted" and e["step"] == "install")
    refused = deploytool("lock", "release", "lab", "-i", str(inv))
    assert refused.code == 8 and "lease is live" in refused.stderr
    forced = deploytool("lock", "release", "lab", "-i", str(inv), "--force")
    assert forced.code == 0 and "released the lock held by" in forced.stdout
    finish(holder, seen)
    remote = (lab.hosts[0].app_dir / ".deploytool" / "audit.log").read_text().splitlines()
    assert any(json.loads(entry)["action"] == "lock-release-forced" for entry in remote)


# -- host faults ----------------------------------------------------------------------------------


def test_sshd_killed_mid_step_aborts_before_any_switch_naming_host_and_step(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL)
    before = current_of(lab)
    proc = start_ship(inv, "--ref", "v2")
    seen = read_until(proc, lambda e: e["event"] == "StepStarted" and e["step"] == "install")
    h2 = lab.hosts[1]
    # every sshd of h2 (listener and sessions) dies; supervisord brings the listener back later
    lab.run(h2, ["sh", "-c", "kill -KILL $(pgrep -x sshd) $(pgrep -f 'sshd: ')"], user="root")
    result = finish(proc, seen)
    assert result.code == 4, result
    assert result.of("ShipFinished")[0]["message"].startswith("h2: install:")
    assert current_of(lab) == before
    wait_until(
        lambda: lab.run(h2, ["pgrep", "-x", "sshd"], user="root").returncode == 0,
        30,
        "sshd back on h2",
    )
    assert "unlocked" in lock_status(inv)


def iptables(*args):
    subprocess.run(["iptables", *args], check=True)


def test_a_blackholed_host_fails_at_connect_within_the_timeout(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml", ssh={"connect_timeout": "3s"})
    h3 = lab.hosts[2]
    rule = ["INPUT", "-d", h3.address, "-p", "tcp", "--dport", str(h3.port), "-j", "DROP"]
    before = current_of(lab)
    iptables("-I", *rule)
    try:
        t0 = time.monotonic()
        result = ship(inv, "--ref", "v2", timeout=60)
        took = time.monotonic() - t0
    finally:
        iptables("-D", *rule)
    assert result.code == 4, result
    assert result.of("ShipFinished")[0]["message"].startswith("h3: connect:")
    assert took < 30  # bounded by connect_timeout, not by TCP's minutes-long retries
    assert current_of(lab) == before


def test_a_host_blackholed_after_the_switch_is_reported_while_the_rest_drain(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml")
    h3 = lab.hosts[2]
    rule = ["INPUT", "-d", h3.address, "-p", "tcp", "--dport", str(h3.port), "-j", "DROP"]
    lab.dispatch(6, 10.0, start=700)  # every worker busy: the drain lasts ~10 s
    wait_until(lambda: len(lab.ledger()) >= 6, 30, "all six jobs to start")
    proc = start_ship(inv, "--ref", "v2")
    seen = read_until(proc, lambda e: e["event"] == "StepStarted" and e["step"] == "drain")
    iptables("-I", *rule)
    try:
        result = finish(proc, seen, timeout=180)
    finally:
        iptables("-D", *rule)
    assert result.code == 4, result
    assert any(w["host"] == "h3" and "lost" in w["message"] for w in result.of("Warning"))
    assert result.of("DrainFinished")[-1]["ok"]  # the others drained
    assert len(set(current_of(lab).values())) == 1


def test_a_worker_killed_mid_drain_does_not_wedge_the_drain(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml")
    lab.dispatch(1, 20.0, start=800)
    row = wait_until(
        lambda: next((r for r in lab.ledger() if r.seq == 800), None), 30, "the job to start"
    )
    proc = start_ship(inv, "--ref", "v2")
    seen = read_until(proc, lambda e: e["event"] == "DrainProgress" and e["old"])
    lab.run(row.host, ["kill", "-KILL", str(row.pid)], user="root")
    result = finish(proc, seen)
    assert result.code == 0, result


# -- security --------------------------------------------------------------------------------------


def test_a_host_reachable_only_through_a_jump_host(lab, fresh, tmp_path):
    h1, h3 = lab.hosts[0], lab.hosts[2]
    # Only h1 (its sshd forwarding as the deploy user) may reach h3; this client (root) may not.
    rule = [
        "OUTPUT",
        "-d",
        h3.address,
        "-p",
        "tcp",
        "--dport",
        str(h3.port),
        "-m",
        "owner",
        "--uid-owner",
        "0",
        "-j",
        "REJECT",
    ]
    iptables("-I", *rule)
    try:
        import yaml

        data = yaml.safe_load(write_inventory(lab, tmp_path / "base.yml").read_text())
        data["stages"]["lab"]["hosts"] = [dict(data["stages"]["lab"]["hosts"][2], migrate=True)]
        direct = tmp_path / "direct.yml"
        direct.write_text(yaml.safe_dump(data))
        assert deploytool("releases", "lab", "-i", str(direct)).code == 4
        data["stages"]["lab"]["ssh"]["jump_host"] = f"deploy@{h1.address}:{h1.port}"
        jumped = tmp_path / "jump.yml"
        jumped.write_text(yaml.safe_dump(data))
        result = deploytool("releases", "lab", "-i", str(jumped), "--json")
        assert result.code == 0, result
        assert json.loads(result.stdout)["hosts"]["h3"]
    finally:
        iptables("-D", *rule)


NASTY = "semi; $(touch /tmp/pwned-by-deploytool) `id` 'single' \"double\" \nnewline $HOME *"


def test_config_values_reach_the_hosts_literally(lab, fresh, tmp_path):
    inv = write_inventory(
        lab,
        tmp_path / "inv.yml",
        install_command=[
            "sh",
            "-c",
            "composer install --no-dev --no-interaction -q && "
            'php -r \'file_put_contents("install-arg.txt", $argv[1]);\' -- "$1"',
            "deploy-sh",
            NASTY,
        ],
        shared_files=[".env", "odd name; $(touch /tmp/pwned-by-deploytool).txt"],
    )
    result = ship(inv, "--ref", "v2")
    assert result.code == 0, result
    for h in lab.hosts:
        rel = h.app_dir / "releases" / result.release
        assert (rel / "install-arg.txt").read_text() == NASTY
        assert os.path.islink(rel / "odd name; $(touch /tmp/pwned-by-deploytool).txt")
        assert lab.run(h, ["test", "-e", "/tmp/pwned-by-deploytool"], user="root").returncode != 0
    assert not os.path.exists("/tmp/pwned-by-deploytool")


def test_secrets_never_appear_in_output_events_errors_or_audit(lab, fresh, tmp_path):
    secret = "s3cr3t-Token-9f8e7d"
    inv = write_inventory(
        lab,
        tmp_path / "inv.yml",
        env={"DEPLOY_TOKEN": "${env:DT_TEST_SECRET}"},
        install_command=["sh", "-c", 'echo "the token is $DEPLOY_TOKEN" >&2; exit 3'],
    )
    AUDIT_LOG.unlink(missing_ok=True)
    for args in (["--json"], []):
        result = deploytool(
            "ship", "lab", "-i", str(inv), "--ref", "v2", *args, env={"DT_TEST_SECRET": secret}
        )
        assert result.code == 1, result
        assert "the token is ***" in result.stdout  # the error is shown, redacted
        assert secret not in result.stdout + result.stderr
    assert secret not in AUDIT_LOG.read_text()
    for h in lab.hosts:
        assert secret not in (h.app_dir / ".deploytool" / "audit.log").read_text()
