"""The open-file preflight: a stage too large for RLIMIT_NOFILE fails before any connection with
exit 3, the numbers and how to raise them (never EMFILE halfway through a connect); a soft limit
below a sufficient hard limit is raised instead."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import yaml

from deploytool.transport.limits import budget

ROOT = Path(__file__).resolve().parents[3]


def test_the_budget_grows_with_the_hosts_and_fabric_costs_more():
    a, f = budget(500, "asyncssh", 1024, 4096), budget(500, "fabric", 1024, 4096)
    assert a.need > budget(100, "asyncssh", 1024, 4096).need
    assert f.need > a.need
    assert not a.fits and a.can_raise  # over the soft limit, under the hard one: raised
    assert not budget(5000, "asyncssh", 1024, 4096).can_raise
    assert budget(5000, "asyncssh", 1024, resource.RLIM_INFINITY).can_raise
    assert budget(10, "asyncssh", 1024, 1024).fits


def inventory(tmp_path: Path, hosts: int) -> Path:
    data = {
        "application": {"name": "a", "repository": "/r.git", "deploy_path": "/app"},
        "stages": {
            "big": {
                "ssh": {"user": "deploy", "known_hosts": str(tmp_path / "kh")},
                # loopback, port 9 (discard) where nothing listens: refused at once if reached
                "hosts": [
                    {"address": f"127.57.9.{i % 250 + 1}", "port": 9, "name": f"h{i}"}
                    | ({"migrate": True} if i == 0 else {})
                    for i in range(hosts)
                ],
            }
        },
    }
    p = tmp_path / "inventory.yml"
    p.write_text(yaml.safe_dump(data))
    return p


def ship(inv: Path, soft: int, hard: int) -> subprocess.CompletedProcess:
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return subprocess.run(
        [sys.executable, "-m", "deploytool.cli", "ship", "big", "-i", str(inv), "--yes"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
        cwd=ROOT,
        env={**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)},
    )


def test_a_stage_over_the_hard_limit_fails_before_connecting_with_the_numbers(tmp_path):
    done = ship(inventory(tmp_path, 300), 200, 200)
    out = done.stdout + done.stderr
    assert done.returncode == 3, out
    assert "stage 'big' has 300 hosts" in out and "hard 200" in out
    assert "ulimit -n" in out and "LimitNOFILE" in out
    assert "Traceback" not in out and "Too many open files" not in out
    assert "127.57.9." not in out  # no host was tried


def test_a_soft_limit_below_a_sufficient_hard_limit_is_raised(tmp_path):
    done = ship(inventory(tmp_path, 300), 200, 4096)
    out = done.stdout + done.stderr
    assert done.returncode == 4, out  # it went on to connect: every host refused
    assert "RLIMIT_NOFILE" not in out and "Too many open files" not in out
    assert "h0: connect: SSH to 127.57.9.1:9 failed" in out
