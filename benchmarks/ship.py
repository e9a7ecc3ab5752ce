"""Workload 4: a real ship on the full lab (K=3 and K=10 hosts, real Laravel workers, Redis,
MariaDB): the tool's own latency.

Per run: ship v1 and start the workers (not measured), dispatch one 5 s job per worker so every
worker is mid-job, then `deploytool ship --ref <new tag> --json` as a subprocess while a thread
watches the old workers' pids from outside the hosts (every 5 ms, in the root PID namespace).
From the events (each carries its `at`) and the job ledger:

  per step            StepFinished durations
  remote critical     what the hosts made us wait for: per step (and per phase outside the steps:
                      lock, audit), the slowest host's summed command times (CommandRan); the
                      connect's slowest handshake; for the drain, from its start to the exit of
                      the last old worker (seen from outside: the job in flight)
  tool latency        wall time - remote critical: start-up and imports, gaps between steps,
                      event handling, noticing the last exit, closing down (issue 15: < 0.5 s)
  start-up            the ShipStarted event's `at` - the moment the process was started
  notice delay        DrainFinished.at - the exit of the last old worker

The lab runs on its own addresses and ports (127.26.0.N, Redis 6397, MariaDB 3397, root
/tmp/dt-bench-ship) and is taken down at the end, by pid.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from tests.lab.lab import Lab
from tests.lab.procs import in_pid_namespaces

ROOT = Path("/tmp/dt-bench-ship")
JOB_SECONDS = 5.0


def _inventory(lab: Lab, path: Path, transport: str, poll: str) -> Path:
    data = yaml.safe_load(lab.inventory_path.read_text())
    data["stages"]["lab"]["ssh"]["transport"] = transport
    data["application"]["drain"] = {**data["application"].get("drain", {}), "poll": poll}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _deploytool(*args: str, timeout: float = 300) -> tuple[float, float, list[dict], str]:
    """Run the CLI; returns (start time, wall seconds, JSON events, stderr)."""
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "deploytool.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_as_installed(
            {
                **os.environ,
                "CI": "1",
                "DEPLOYTOOL_AUDIT_LOG": str(ROOT.parent / "dt-bench-ship-audit.log"),
            }
        ),
    )
    events = [
        json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{") and ln.endswith("}")
    ]
    if proc.returncode != 0:
        raise RuntimeError(
            f"deploytool {' '.join(args[:2])} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n"
            f"{proc.stderr[-2000:]}"
        )
    return t0, time.time() - t0, events, proc.stderr


def _as_installed(env: dict[str, str]) -> dict[str, str]:
    """The tool as a user runs it: `pip install` compiles every module to bytecode, so imports do
    not compile from source on every start. A source tree run with PYTHONDONTWRITEBYTECODE (this
    machine sets it) would: 30-40 ms of every start-up that no installed copy pays. The bytecode
    goes to a cache of its own, not into the tree; the unmeasured v1 ship of each run fills it."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(ROOT.parent / "dt-bench-ship-pycache")
    return env


def _worker_pids(lab: Lab) -> set[int]:
    """Queue workers of every host, as pids of the root PID namespace."""
    found = set()
    namespaces = {os.readlink(f"/proc/{h.pid}/ns/pid") for h in lab.hosts}
    for ref in in_pid_namespaces(namespaces):
        try:
            if b"queue:work" in Path(f"/proc/{ref.pid}/cmdline").read_bytes():
                found.add(ref.pid)
        except FileNotFoundError:
            pass
    return found


class ExitWatch(threading.Thread):
    """Records when each of `pids` exits (gone or a zombie), polling /proc every 5 ms."""

    def __init__(self, pids: set[int]):
        super().__init__(daemon=True)
        self.left, self.exits, self.stop = set(pids), {}, threading.Event()

    def run(self) -> None:
        while self.left and not self.stop.is_set():
            now = time.time()
            for pid in list(self.left):
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                    gone = stat[stat.rindex(")") + 2] == "Z"
                except (FileNotFoundError, ProcessLookupError):  # reaped while being read: ESRCH
                    gone = True
                if gone:
                    self.exits[pid] = now
                    self.left.discard(pid)
            self.stop.wait(0.005)


def one_ship(lab: Lab, run: int, transport: str, poll: str, tmp: Path) -> dict:
    lab.reset_app_state()
    inv = _inventory(lab, tmp / f"inventory-{transport}.yml", transport, poll)
    _deploytool("ship", "lab", "-i", str(inv), "--json", "--ref", "v1")
    lab.start_workers()
    tag = f"bench{run}-{int(time.time())}"
    lab.commit_release(tag, {"VERSION": f"{tag}\n"}, base="v2")
    old = _worker_pids(lab)
    seqs = lab.dispatch(lab.n_hosts * lab.n_workers, JOB_SECONDS, start=1)
    deadline = time.time() + 30
    while len([r for r in lab.ledger() if r.seq in seqs]) < len(seqs):  # every worker is mid-job
        if time.time() > deadline:
            raise RuntimeError("the jobs did not all start within 30 s")
        time.sleep(0.1)
    watch = ExitWatch(old)
    watch.start()
    t0, wall, events, _ = _deploytool("ship", "lab", "-i", str(inv), "--json", "--ref", tag)
    watch.stop.set()
    watch.join()
    by = lambda kind: [e for e in events if e["event"] == kind]  # noqa: E731
    steps = {e["step"]: round(e["duration"], 3) for e in by("StepFinished")}
    restart_at = next(e["at"] for e in by("StepFinished") if e["step"] == "restart-queue")
    drain = by("DrainFinished")[-1]
    left = [
        (r.finished_at.timestamp() if r.finished_at else time.time()) - restart_at
        for r in lab.ledger()
        if r.seq in seqs and r.started_at.timestamp() <= restart_at
    ]
    longest = max([x for x in left if x > 0], default=0.0)
    composer = max(
        (e["duration"] for e in by("CommandRan") if "composer" in e["command"]), default=0.0
    )
    migrate = sum(
        e["duration"]
        for e in by("CommandRan")
        if "artisan" in e["command"] and " migrate" in e["command"]
    )
    last_exit = max(watch.exits.values()) if watch.exits else float("nan")
    crit = critical(events, last_exit)
    return {
        "critical": round(sum(crit.values()), 3),
        "critical_parts": {k: round(v, 3) for k, v in crit.items()},
        "latency": round(wall - sum(crit.values()), 3),
        "startup": round(by("ShipStarted")[0]["at"] - t0, 3),
        "first_event": round(min(e["at"] for e in events) - t0, 3),
        "run": run,
        "total": round(wall, 3),
        "steps": steps,
        "drain": round(drain["elapsed"], 3),
        "longest_job_left": round(longest, 3),
        "drain_overhead": round(drain["elapsed"] - longest, 3),
        "old_workers": len(old),
        "old_exited_seen": len(watch.exits),
        "notice_delay": round(drain["at"] - last_exit, 3),
        "composer": round(composer, 3),
        "migrate": round(migrate, 3),
        "overhead": round(wall - longest - composer - migrate, 3),
        "load": os.getloadavg()[0],
    }


def critical(events: list[dict], last_exit: float) -> dict[str, float]:
    """The remote critical path: per step or phase, the slowest host's summed command time."""
    per: dict[str, dict[str, float]] = {}
    for e in events:
        if e["event"] == "CommandRan":
            host_times = per.setdefault(e["step"] or "run", {})
            host_times[e["host"]] = host_times.get(e["host"], 0.0) + e["duration"]
    parts = {step: max(t.values()) for step, t in per.items() if step != "drain"}
    connects = [
        e["duration"] for e in events if e["event"] == "HostStepFinished" and e["step"] == "connect"
    ]
    parts["connect"] = max(connects, default=0.0)
    drain = [e["at"] for e in events if e["event"] == "StepStarted" and e["step"] == "drain"]
    if drain and last_exit == last_exit:  # not NaN: some old worker was seen exiting
        parts["drain"] = max(0.0, last_exit - drain[0])
    return parts


def run_all(quick: bool = False, log=print, hosts=(3, 10), **kw) -> dict:
    """Workload 4 at each lab size, one lab at a time."""
    return {"by_hosts": {str(k): run(quick, log, hosts=k, **kw) for k in hosts}}


def run(
    quick: bool = False,
    log=print,
    transport: str = "asyncssh",
    poll: str = "1s",
    hosts: int = 3,
) -> dict:
    lab = Lab(
        ROOT, hosts=hosts, workers=2, address_prefix="127.26.0", redis_port=6397, mariadb_port=3397
    )
    out: dict = {
        "hosts": hosts,
        "workers": 2,
        "transport": transport,
        "poll": poll,
        "job_seconds": JOB_SECONDS,
        "runs": [],
    }
    tmp = ROOT.parent / "dt-bench-ship-work"
    tmp.mkdir(exist_ok=True)
    try:
        lab.up()
        for i in range(1 if quick else 3):
            r = one_ship(lab, i + 1, transport, poll, tmp)
            log(
                f"  K={hosts} ship run {r['run']}: total {r['total']}s critical {r['critical']}s "
                f"latency {r['latency']}s (start-up {r['startup']}s) drain {r['drain']}s "
                f"notice {r['notice_delay'] * 1000:.0f} ms"
            )
            out["runs"].append(r)
    except Exception as e:  # reported in the results, the light-lab figures still stand
        out["error"] = f"{type(e).__name__}: {e}"[:4000]
    finally:
        lab.down()
    return out


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="workload 4 alone")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--transport", default="asyncssh")
    p.add_argument("--poll", default="1s")
    p.add_argument("--hosts", default="3,10", help="lab sizes, comma-separated")
    p.add_argument("--out", default="bench-ship.json")
    a = p.parse_args()
    got = run_all(
        a.quick,
        log=lambda m: print(m, file=sys.stderr),
        hosts=tuple(int(x) for x in a.hosts.split(",")),
        transport=a.transport,
        poll=a.poll,
    )
    Path(a.out).write_text(json.dumps(got, indent=1) + "\n")
    from .report import ship_table

    print(ship_table(got))
