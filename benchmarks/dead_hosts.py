"""`python -m benchmarks.dead_hosts --hosts 500 --dead 5`: a ship to a large stage with a few
dead hosts fails before any change, naming every dead host, in bounded time.

Starts a light lab of N hosts, stops the sshd of `dead` of them (their namespace's PID 1, by pid),
runs `deploytool ship --json` on the whole stage and reports: the exit code (4 expected), how long
it took, which hosts the per-host events and the final message name, and whether any step ran.
Needs root; not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.lab.procs import stop_all

from .lightlab import DEFAULT_ROOT, LightLab


def run(n: int, dead: int, root: Path = DEFAULT_ROOT) -> dict:
    with LightLab(n, root=root) as lab:
        inv = root / "work" / "inventory-dead.yml"
        inv.parent.mkdir(parents=True, exist_ok=True)
        inv.write_text(yaml.safe_dump(lab.inventory("asyncssh"), sort_keys=False))
        step = max(1, n // dead)
        victims = [lab.nodes[i] for i in range(step // 2, n, step)][:dead]
        stop_all([v.init for v in victims] + [v.unshare for v in victims], 5)
        names = sorted(v.spec.name for v in victims)
        t0 = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "deploytool.cli", "ship", "bench", "-i", str(inv), "--json"],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "CI": "1", "DEPLOYTOOL_AUDIT_LOG": str(root / "audit.log")},
        )
        wall = time.monotonic() - t0
    events = [json.loads(ln) for ln in done.stdout.splitlines() if ln.startswith("{")]
    failed = sorted(e["host"] for e in events if e["event"] == "HostStepFinished" and not e["ok"])
    final = next((e for e in events if e["event"] == "ShipFinished"), {})
    return {
        "hosts": n,
        "dead": names,
        "exit_code": done.returncode,
        "seconds": round(wall, 2),
        "failed_hosts_in_events": failed,
        "final_message_names_all": all(h in final.get("message", "") for h in names),
        "steps_started": [e["step"] for e in events if e["event"] == "StepStarted"],
        "final_message": final.get("message", done.stderr[-500:]),
    }


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=500)
    p.add_argument("--dead", type=int, default=5)
    a = p.parse_args()
    print(json.dumps(run(a.hosts, a.dead), indent=1))
