"""The benchmark still runs: `python -m benchmarks.run --hosts 3 --quick` on a 3-host light lab,
deploytool and the bare asyncssh loop only (the baselines' venv is not installed by the suite).
No figure is asserted (never a speed in a test): only that every client finished every workload,
the table names the targets, and the light lab is gone afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from benchmarks.lightlab import ssh_banner

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.lab


@pytest.mark.skipif(os.geteuid() != 0, reason="the light lab needs root (namespaces, sshd)")
def test_the_benchmark_runs_on_three_hosts(tmp_path):
    out = tmp_path / "bench.json"
    # the hosts' deploy user must reach its home under the lab's root, and pytest's tmp_path
    # sits under /tmp/pytest-of-root (0700): sshd then cannot read authorized_keys as deploy
    light = Path(tempfile.mkdtemp(prefix="dt-bench-smoke-", dir="/tmp"))
    light.chmod(0o755)
    try:
        done = run_benchmark(light / "light", out)
    finally:
        shutil.rmtree(light, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    lab = json.loads(out.read_text())["light"][0]
    for workload in ("cold", "playbook", "census"):
        for client in ("deploytool:asyncssh", "asyncssh", "deploytool:asyncssh+runner"):
            assert "wall_median" in lab[workload][client], (workload, client, lab[workload])
    assert "wall_median" in lab["census"]["deploytool:asyncssh+watch"]
    assert "targets (issue 15):" in done.stdout and "3 hosts" in done.stdout
    assert not ssh_banner("127.30.0.1", 2230)  # the light lab is down


def run_benchmark(root: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--hosts",
            "3",
            "--quick",
            "--clients",
            "deploytool:asyncssh,deploytool:asyncssh+watch,deploytool:asyncssh+runner,asyncssh,pyinfra",
            "--no-install",
            "--root",
            str(root),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
