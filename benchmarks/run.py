"""`python -m benchmarks.run --hosts 10,50 [--quick]`: deploytool's fan-out against its baselines.

For each host count N it starts a light lab (benchmarks/lightlab.py), runs workloads 1-3 with
every client in its own process (benchmarks/worker.py), removes the lab, and with `--ship` runs
workload 4, a real ship on the full lab (benchmarks/ship.py). Prints a table and writes every
figure to bench-results.json (git-ignored). Needs root; not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from deploytool.probes.census import census_command
from deploytool.shell import render

from . import report
from .lightlab import DEFAULT_ROOT, LightLab

WORKLOADS = ("cold", "playbook", "census")
CLIENTS = (
    "deploytool:fabric",
    "deploytool:asyncssh",
    "deploytool:asyncssh+watch",
    "asyncssh",
    "openssh",
    "ansible",
)
REPS = {
    "full": {"cold": 5, "playbook": 5, "census": 20},
    "quick": {"cold": 3, "playbook": 3, "census": 10},
}
ANSIBLE_REPS = {
    "full": {"cold": 2, "playbook": 2, "census": 3},
    "quick": {"cold": 1, "playbook": 1, "census": 2},
}
ANSIBLE_MAX_HOSTS = 50  # beyond that one run takes minutes and ~100 forked Pythons (issue 8: "—")


def setup_for(lab: LightLab, workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    for transport in ("fabric", "asyncssh"):
        (workdir / f"inventory-{transport}.yml").write_text(
            yaml.safe_dump(lab.inventory(transport), sort_keys=False)
        )
    text = render(census_command("artisan queue:work", "/var/www/app"))
    return {
        "hosts": [{"name": s.name, "address": s.address, "port": s.port} for s in lab.specs()],
        "identity": str(lab.identity),
        "known_hosts": str(lab.known_hosts),
        "ssh_config": str(lab.ssh_config),
        "inventory": str(workdir),
        "workdir": str(workdir),
        "census_text": text,
    }


def one(client: str, workload: str, setup: dict, reps: int, timeout: float = 1800) -> dict:
    spec = {"client": client, "workload": workload, "reps": reps, "setup": setup}
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        return {
            "error": (done.stderr or done.stdout).strip().splitlines()[-1:] or ["failed"],
            "seconds": round(time.monotonic() - t0, 1),
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def light(
    n: int,
    clients: list[str],
    workloads: list[str],
    mode: str,
    root: Path,
    log,
    ansible_max: int = ANSIBLE_MAX_HOSTS,
) -> dict:
    out: dict = {"hosts": n, "load_before": os.getloadavg()}
    with LightLab(n, root=root) as lab:
        setup = setup_for(lab, root / "work")
        for workload in workloads:
            out[workload] = {}
            for client in clients:
                if client.endswith("+watch") and workload != "census":
                    continue  # the watcher only changes the census
                if client == "ansible" and (not shutil.which("ansible") or n > ansible_max):
                    out[workload][client] = {
                        "skipped": "not installed (pip install ansible-core)"
                        if not shutil.which("ansible")
                        else f"more than {ansible_max} hosts"
                    }
                    continue
                reps = (ANSIBLE_REPS if client == "ansible" else REPS)[mode][workload]
                log(f"  N={n} {workload:8} {client:20} x{reps} ...")
                out[workload][client] = report.summarize(one(client, workload, setup, reps))
                log(f"      {report.brief(out[workload][client])}")
    out["load_after"] = os.getloadavg()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.splitlines()[0]
    )
    p.add_argument("--hosts", default="10,50", help="comma-separated host counts for the light lab")
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--clients", default=",".join(CLIENTS))
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument(
        "--ship", action="store_true", help="also workload 4: a real ship on the full lab (K=3)"
    )
    p.add_argument(
        "--ansible-max-hosts",
        type=int,
        default=ANSIBLE_MAX_HOSTS,
        help="run Ansible only up to this many hosts (default %(default)s)",
    )
    p.add_argument("--root", default=str(DEFAULT_ROOT))
    p.add_argument("--out", default="bench-results.json")
    a = p.parse_args(argv)
    if os.geteuid() != 0:
        print("the benchmark needs root (namespaces, bind mounts, sshd)", file=sys.stderr)
        return 2
    mode = "quick" if a.quick else "full"
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    results: dict = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "mode": mode,
        "cpus": os.cpu_count(),
        "ansible": report.ansible_version(),
        "light": [],
    }
    for n in [int(x) for x in a.hosts.split(",") if x]:
        log(f"light lab, {n} hosts (load {os.getloadavg()[0]:.2f})")
        results["light"].append(
            light(
                n,
                a.clients.split(","),
                a.workloads.split(","),
                mode,
                Path(a.root),
                log,
                a.ansible_max_hosts,
            )
        )
        Path(a.out).write_text(json.dumps(results, indent=1) + "\n")
    if a.ship:
        from . import ship

        log("workload 4: a real ship on the full lab (K=3)")
        results["ship"] = ship.run(quick=a.quick, log=log)
    Path(a.out).write_text(json.dumps(results, indent=1) + "\n")
    print(report.table(results))
    log(f"figures written to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
