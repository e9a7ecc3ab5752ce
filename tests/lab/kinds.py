"""Every long-running process kind on a lab host: start, stop, see what ran from which release.

    lab.kinds.start("scheduler")          # supervisord programs: worker, scheduler, daemon
    lab.kinds.run_schedule("h1")          # one `schedule:run` now, as cron would start it
    lab.kinds.runs("h1", kind="long")     # [Run(kind, event, host, version, release, pid, at)]
    lab.kinds.stop("daemon")

The kinds (command lines in supervisor_conf.py):
- `worker`: `php /var/www/app/current/artisan queue:work redis ...` (numprocs per host)
- `scheduler`: `php /var/www/app/current/artisan schedule:work`; every minute it starts
  `php artisan schedule:run` (cwd: its release), which runs `php artisan ledger:long N` in the
  foreground (N from storage/app/lab-schedule.json, default 20)
- `daemon`: `php /var/www/app/current/artisan lab:daemon --unit=2`, traps TERM and finishes
  its unit of work first
`ledger:long` and `lab:daemon` log to shared/storage/app/lab-runs.jsonl (App\\Support\\RunLog),
parsed here into Run records.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import host as hostns
from .appenv import deploy_ids
from .procs import LabError, LabTimeout, ProcRef, in_pid_namespaces, stop_all, wait_until
from .supervisor_rpc import SOCK, Supervisor

PROGRAMS = ("worker", "scheduler", "daemon")
RUNS_FILE = "shared/storage/app/lab-runs.jsonl"  # under the deploy path
SCHEDULE_FILE = "shared/storage/app/lab-schedule.json"
RELEASES = f"{hostns.DEPLOY_PATH}/releases/"


@dataclass(frozen=True)
class Run:
    """One line of lab-runs.jsonl: something a long-running command did."""

    kind: str  # long | daemon
    event: str  # long: start, finish; daemon: start, unit-start, unit-finish, signal, exit
    host: str
    version: str
    release: str  # basename of the release directory the code was loaded from
    pid: int  # as seen inside the host
    at: float  # Unix time
    extra: dict = field(default_factory=dict)  # seconds, unit, units, signal, unit_seconds


def parse_runs(text: str) -> list[Run]:
    """lab-runs.jsonl -> Runs; a line cut short by a crash is skipped."""
    runs = []
    for line in text.splitlines():
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        base = {k: d.pop(k) for k in ("kind", "event", "host", "version", "release", "pid", "at")}
        runs.append(Run(**base, extra=d))
    return runs


def supervisorctl(*args: str) -> list[str]:
    return ["supervisorctl", "-c", hostns.SUPERVISOR_CONF, *args]


class Kinds:
    def __init__(self, lab):
        self.lab = lab

    def _group(self, program: str) -> str:
        # a supervisord group: `worker` (numprocs), or a single program's own name
        if program not in PROGRAMS:
            raise LabError(f"no lab program {program!r}; programs are {', '.join(PROGRAMS)}")
        return program

    def _supervisor(self, h) -> Supervisor:
        return Supervisor(self.lab.root / "hosts" / self.lab.host(h).name / "run" / SOCK)

    def _hosts(self, hosts):
        return self.lab.hosts if hosts is None else [self.lab.host(h) for h in hosts]

    def status(self, which, program: str = "worker") -> dict[str, tuple[str, int | None]]:
        """{'worker_00': ('RUNNING', 1234), ...} or {'scheduler': ('STOPPED', None)}: pids
        as seen inside the host."""
        return self._supervisor(which).status(self._group(program))

    def pid(self, which, program: str) -> int | None:
        return self.status(which, program).get(program, ("", None))[1]

    def start(self, program: str = "worker", hosts=None, timeout: float = 60) -> None:
        """Start `program` on every host (or `hosts`); it needs `current` (a first ship).
        Waits until every process of it is RUNNING."""
        hosts, group = self._hosts(hosts), self._group(program)
        missing = [h.name for h in hosts if not os.path.lexists(h.app_dir / "current")]
        if missing:
            names = ", ".join(missing)
            raise LabError(f"no /var/www/app/current on {names}: ship a release first")

        for h in hosts:
            self._supervisor(h).start(group)
        want = self.lab.n_workers if program == "worker" else 1

        def all_running() -> bool:
            return all(
                len(st) == want and all(s == "RUNNING" for s, _ in st.values())
                for st in (self.status(h, program) for h in hosts)
            )

        try:
            wait_until(all_running, timeout, f"{program} to be RUNNING on every host", interval=0.2)
        except LabTimeout as exc:
            detail = "; ".join(f"{h.name}: {self.status(h, program)}" for h in hosts)
            raise LabTimeout(f"{exc}: {detail} (logs in {self.lab.root}/hosts/*/log)") from None

    def stop(self, program: str = "worker", hosts=None, timeout: float = 120) -> None:
        """Stop `program` everywhere, or on `hosts`, the way supervisord does (TERM, then
        KILL after its stopwaitsecs)."""
        hosts = self._hosts(hosts)
        with ThreadPoolExecutor(len(hosts)) as pool:
            list(pool.map(lambda h: self._stop_on(h, program, timeout), hosts))

    def _stop_on(self, h, program: str, timeout: float) -> None:
        # A process that supervisord (re)spawned a few ms before the stop can take the SIGTERM
        # between fork and exec, where supervisord's own Python handler swallows it: PHP never
        # hears it and the stop waits stopwaitsecs (40 s) for SIGKILL. That cost 11 x 40 s in one
        # e2e run. So while the stop waits, repeat the TERM every 2 s; a process that did hear
        # the first one is finishing its work, and a second TERM changes nothing for it.
        group, sup = self._group(program), self._supervisor(h)
        sup.stop(group)
        deadline = time.monotonic() + timeout
        again = time.monotonic() + 2
        while not sup.stopped(group):
            now = time.monotonic()
            if now > deadline:
                raise LabTimeout(f"{h.name}: {program} did not stop within {timeout:g}s")
            if now > again:
                sup.signal(group, "TERM")
                again = now + 2
            time.sleep(0.05)

    def run_schedule(self, which) -> None:
        """Start one `php artisan schedule:run` in /var/www/app/current as deploy, detached
        (what cron does each minute); it runs `ledger:long N` in the foreground, from the
        release `current` points at now. Returns at once; see runs() / wait_for_run()."""
        self.lab.run(
            which,
            ["sh", "-c", "setsid php artisan schedule:run >/dev/null 2>&1 </dev/null &"],
            cwd=f"{hostns.DEPLOY_PATH}/current",
            check=True,
        )

    def set_long_seconds(self, seconds: float, hosts=None) -> None:
        """How long the scheduled `ledger:long` works, from the next schedule:run on."""
        for h in self._hosts(hosts):
            path = h.app_dir / SCHEDULE_FILE
            path.write_text(json.dumps({"long_seconds": seconds}) + "\n")
            os.chown(path, *deploy_ids())

    def runs(self, which=None, kind: str | None = None) -> list[Run]:
        """Everything ledger:long and lab:daemon logged, on one host or all, oldest first."""
        found = []
        for h in self._hosts(None if which is None else [which]):
            try:
                found += parse_runs((h.app_dir / RUNS_FILE).read_text())
            except FileNotFoundError:
                pass
        return sorted((r for r in found if kind in (None, r.kind)), key=lambda r: r.at)

    def wait_for_run(self, which, kind: str, event: str, timeout: float = 30, after: float = 0):
        """Poll until `which` logged `kind`/`event` at or after `after` (Unix time); -> Run."""

        def found() -> Run | None:
            hits = [r for r in self.runs(which, kind) if r.event == event and r.at >= after]
            return hits[0] if hits else None

        return wait_until(found, timeout, f"{kind} {event} on {which}", interval=0.2)

    def release_processes(self, which) -> list[tuple[ProcRef, str]]:
        """Every process in a host whose cwd is a release dir: (outside ref, cwd inside)."""
        h = self.lab.host(which)
        pidns = os.readlink(f"/proc/{h.pid}/ns/pid")
        found = []
        for ref in in_pid_namespaces({pidns}):
            try:
                cwd = os.readlink(f"/proc/{ref.pid}/cwd")
            except OSError:
                continue
            if cwd.startswith(RELEASES):
                found.append((ref, cwd))
        return found

    def stop_release_processes(self, which, grace: float = 5) -> None:
        """After the programs are stopped: end what still runs from a release (a scheduled
        long command, a `php artisan` a test left), by pid: TERM, KILL after `grace`."""
        stop_all([ref for ref, _ in self.release_processes(which)], grace)
