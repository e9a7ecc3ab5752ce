"""`python -m benchmarks.run --hosts 100,200,500 [--quick]`: deploytool against its baselines.

For each host count N it starts a light lab (benchmarks/lightlab.py), runs workloads 1-3 with
every client in its own process (benchmarks/worker.py), removes the lab, and with `--ship` runs
workload 4, a real ship on the full lab (benchmarks/ship.py), with `--web` workload 5, the web tier
in a real ship (benchmarks/web.py). Prints one table with every client
side by side and the targets, and writes every figure to bench-results.json (git-ignored).
Needs root; not part of the test run.

A client that does not finish a workload within its timeout is stopped (its process group, by
pid) and reported as such; the other figures stand. The baselines (ansible-core, pyinfra) come
from their own venv (benchmarks/baselines.py), installed on the first run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from deploytool.probes.census import census_command
from deploytool.shell import render

from . import baselines, report
from .lightlab import DEFAULT_ROOT, LightLab

WORKLOADS = ("cold", "playbook", "census")
CLIENTS = (
    "deploytool:fabric",
    "deploytool:asyncssh",
    "deploytool:asyncssh+watch",
    "deploytool:asyncssh+runner",
    "asyncssh",
    "openssh",
    "pyinfra",
    "ansible",
)
SLOW = ("pyinfra", "ansible")  # fewer repetitions (and steps: clients_tools.SLOW_STEPS)
REPS = {
    "full": {"cold": 5, "playbook": 5, "census": 20},
    "quick": {"cold": 3, "playbook": 3, "census": 10},
}
SLOW_REPS = {
    "full": {"cold": 2, "playbook": 2, "census": 2},
    "quick": {"cold": 1, "playbook": 1, "census": 1},
}
SLOW_REPS_OVER = 150  # past this many hosts the slow tools run once per workload
TIMEOUT = 900.0  # seconds per client and workload (Ansible at 500 hosts: minutes per step)


def raise_fd_limit(log) -> None:
    """500 hosts: a socket each, a ControlMaster and an ssh per host for OpenSSH, pipes per
    Ansible fork. The soft limit (often 1024) is raised to the hard one, and the run says so."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        log(f"raised RLIMIT_NOFILE from {soft} to {hard} for this run and its clients")
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)
    if nproc[0] != resource.RLIM_INFINITY and nproc[0] < nproc[1]:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc[1], nproc[1]))
        log(f"raised RLIMIT_NPROC from {nproc[0]} to {nproc[1]}")


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    model = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.machine(),
    )
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return (
        f"{os.cpu_count()} cores ({model}), {mem:.0f} GiB, Linux {platform.release()}, "
        f"Python {platform.python_version()}, RLIMIT_NOFILE {soft}/{hard}"
    )


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


def one(
    client: str, workload: str, setup: dict, reps: int, python: str, timeout: float = TIMEOUT
) -> dict:
    """One client and workload in its own process (and process group, stopped by its pid at the
    timeout, with every ssh or fork it started)."""
    spec = {"client": client, "workload": workload, "reps": reps, "setup": setup}
    root = Path(__file__).resolve().parent.parent
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [python, "-m", "benchmarks.worker", json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group we started, by its leader's pid
        proc.communicate()
        return {"error": f"did not finish within {timeout:g} s (stopped)", "seconds": timeout}
    if proc.returncode != 0:
        tail = (err or out).strip().splitlines()[-1:] or ["failed"]
        return {
            "error": f"failed: {tail[0][:300]}",
            "seconds": round(time.monotonic() - t0, 1),
        }
    return json.loads(out.strip().splitlines()[-1])


def light(
    n: int,
    clients: list[str],
    workloads: list[str],
    mode: str,
    root: Path,
    log,
    tools: baselines.Baselines | None,
    timeout: float = TIMEOUT,
    save=lambda lab: None,
) -> dict:
    """Workloads 1-3 at `n` hosts; `save(partial)` after every client, so a run stopped from
    outside keeps what it measured."""
    out: dict = {"hosts": n, "load_before": os.getloadavg()}
    t0 = time.monotonic()
    with LightLab(n, root=root) as lab:
        out["lab_up_seconds"] = round(time.monotonic() - t0, 1)
        setup = setup_for(lab, root / "work")
        if tools is not None:
            setup["ansible"] = tools.ansible
        for workload in workloads:
            out[workload] = {}
            for client in clients:
                if client.endswith("+watch") and workload != "census":
                    continue  # the watcher only changes the census
                if client in SLOW and tools is None:
                    out[workload][client] = {"skipped": "baselines not installed"}
                    continue
                slow = client in SLOW
                reps = (SLOW_REPS if slow else REPS)[mode][workload]
                if slow and n > SLOW_REPS_OVER:
                    reps = 1
                python = tools.python if client == "pyinfra" else sys.executable
                log(f"  N={n} {workload:8} {client:26} x{reps} ...")
                got = one(client, workload, setup, reps, python, timeout)
                out[workload][client] = report.summarize(got)
                log(f"      {report.brief(out[workload][client])}")
                save(out)
    t1 = time.monotonic()
    out["load_after"] = os.getloadavg()
    out["lab_total_seconds"] = round(t1 - t0, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.splitlines()[0]
    )
    p.add_argument(
        "--hosts", default="100,200,500", help="comma-separated host counts for the light lab"
    )
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--clients", default=",".join(CLIENTS))
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument(
        "--ship", action="store_true", help="also workload 4: a real ship on the full lab (K=3)"
    )
    p.add_argument(
        "--web",
        action="store_true",
        help="also workload 5: the web tier in a real ship, K=3 and 10 (benchmarks/web.py)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT,
        help="seconds per client and workload before it is stopped (default %(default)s)",
    )
    p.add_argument(
        "--no-install",
        action="store_true",
        help="do not install the baselines (pyinfra, Ansible) if they are missing: skip them",
    )
    p.add_argument("--root", default=str(DEFAULT_ROOT))
    p.add_argument("--out", default="bench-results.json")
    a = p.parse_args(argv)
    if os.geteuid() != 0:
        print("the benchmark needs root (namespaces, bind mounts, sshd)", file=sys.stderr)
        return 2
    mode = "quick" if a.quick else "full"
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    raise_fd_limit(log)
    clients = a.clients.split(",")
    tools = None
    if any(c in SLOW for c in clients):
        tools = baselines.ensure(log, install=not a.no_install)
    results: dict = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "mode": mode,
        "machine": machine(),
        "cpus": os.cpu_count(),
        "baselines": tools.versions if tools else None,
        "light": [],
    }
    for n in [int(x) for x in a.hosts.split(",") if x]:
        log(f"light lab, {n} hosts (load {os.getloadavg()[0]:.2f})")
        results["light"].append(
            light(
                n,
                clients,
                a.workloads.split(","),
                mode,
                Path(a.root),
                log,
                tools,
                a.timeout,
                lambda lab: Path(a.out).write_text(
                    json.dumps({**results, "light": [*results["light"], lab]}, indent=1) + "\n"
                ),
            )
        )
        Path(a.out).write_text(json.dumps(results, indent=1) + "\n")
    if a.ship:
        from . import ship

        log("workload 4: a real ship on the full lab (K=3 and K=10)")
        results["ship"] = ship.run_all(quick=a.quick, log=log)
    if a.web:
        from . import web

        log("workload 5: the web tier in a real ship (K=3 and K=10)")
        results["web"] = web.run_all(quick=a.quick, log=log)
    Path(a.out).write_text(json.dumps(results, indent=1) + "\n")
    print(report.table(results))
    log(f"figures written to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
