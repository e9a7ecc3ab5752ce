"""Security on the real lab: a jump host, config values that reach the hosts literally, secrets
redacted from every output and never in any process's argv or environment on a host."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import uuid
from contextlib import contextmanager

import pytest

from tests.lab.host import in_namespace

from .conftest import AUDIT_LOG, deploytool, ship, write_inventory
from .running import SLOW_INSTALL, iptables, slow_migration_release

pytestmark = pytest.mark.lab


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
        # a shell command sees the secrets only once it sources the sh loader (envelope.py)
        install_command=[
            "sh",
            "-c",
            '. "$DEPLOYTOOL_ENV_SH" && echo "the token is $DEPLOY_TOKEN" >&2; exit 3',
        ],
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


# Run inside a host as the deploy user: every pass reads every /proc/PID/cmdline and (where the
# kernel lets the deploy user: its own processes) /proc/PID/environ, looking for the needles it
# reads from stdin, until the stop file appears or the deadline passes. Prints what it found and
# what it saw (so the test can tell a blind scanner from a clean ship).
SCAN = r"""
import json, os, sys, time
needles = [n.encode() for n in json.loads(sys.stdin.read())]
stop, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
hits, seen, passes, environs = [], set(), 0, 0
while not os.path.exists(stop) and time.monotonic() < deadline:
    passes += 1
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        blobs = {}
        for kind in ("cmdline", "environ"):
            try:
                with open(f"/proc/{pid}/{kind}", "rb") as f:
                    blobs[kind] = f.read()
            except OSError:
                pass
        if not blobs.get("cmdline"):
            continue
        args = blobs["cmdline"].replace(b"\0", b" ").decode(errors="replace")
        if b"DEPLOYTOOL_RUN=" in blobs.get("environ", b""):
            environs += 1
            seen.add(args[:100])
        for n in needles:
            for kind, blob in blobs.items():
                if n in blob:
                    hits.append({"needle": needles.index(n), "in": kind, "args": args[:300]})
    time.sleep(0.005)
print(json.dumps({"hits": hits, "passes": passes, "environs": environs, "seen": sorted(seen)}))
"""


@contextmanager
def scanning(lab, host, secret: str):
    """SCAN on `host` while the block runs, with a planted control it must find (proof that the
    scanner sees a leak); yields a dict that holds the scan's report once the block is over."""
    control = "control-" + uuid.uuid4().hex[:16]
    stop = host.app_dir.parent / "tmp" / "stop-scan"
    stop.unlink(missing_ok=True)
    scanner = subprocess.Popen(
        in_namespace(host.pid, ["python3", "-c", SCAN, "/tmp/stop-scan", "240"], cwd="/tmp"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    report: dict = {}
    try:
        scanner.stdin.write(
            json.dumps([secret, base64.b64encode(secret.encode()).decode(), control])
        )
        scanner.stdin.close()
        planted = lab.run(host, ["env", f"PLANTED={control}", "sh", "-c", "sleep 1", control])
        assert planted.returncode == 0, planted.stderr
        yield report
    finally:
        stop.touch()
        scanner.stdin = None  # written and closed above: communicate() must not flush it
        out, err = scanner.communicate(timeout=60)
        stop.unlink(missing_ok=True)
    report.update(json.loads(out or "{}") if scanner.returncode == 0 else pytest.fail(err))
    found = {(h["needle"], h["in"]) for h in report["hits"]}
    assert {(2, "cmdline"), (2, "environ")} <= found, report  # the scanner sees what leaks
    assert [h for h in report["hits"] if h["needle"] != 2] == []


def test_no_process_on_a_host_ever_has_a_secret_in_its_argv_or_environment(lab, fresh, tmp_path):
    """A second process of the deploy user watches h1 (the migration host: composer, the gate,
    migrate and the artisan cache commands all run there) through a whole ship."""
    secret = "s3cr3t-" + uuid.uuid4().hex[:16]
    tag = slow_migration_release(lab, "v2-slowmig3", 3)
    inv = write_inventory(
        lab,
        tmp_path / "inv.yml",
        install_command=SLOW_INSTALL,
        env={"DEPLOY_TOKEN": "${env:DT_TEST_SECRET}", "APP_NAME": "${env:DT_TEST_SECRET}"},
    )
    h1 = lab.hosts[0]
    with scanning(lab, h1, secret) as report:
        result = ship(inv, "--ref", tag, env={"DT_TEST_SECRET": secret})
    assert result.code == 0, result
    seen = " | ".join(report["seen"])
    print(
        f"\n/proc scan as deploy on h1: {report['passes']} passes, {report['environs']} environs "
        f"of the ship's processes read ({len(report['seen'])} distinct), "
        f"{len(report['hits'])} hits, all the planted control's"
    )
    for what in ("composer", "artisan migrate", "artisan config:cache", "sleep 4"):
        assert what in seen, (what, report["seen"])  # their environ was read while they ran
    # and the app saw the secret as an environment variable: config:cache baked APP_NAME in
    baked = h1.app_dir / "releases" / result.release / "bootstrap" / "cache" / "config.php"
    assert secret in baked.read_text()
    assert list((h1.app_dir.parent / "tmp").glob("deploytool-env-*")) == []
