"""The lab: a real fleet on this one machine for end-to-end tests and the demo.

    lab = Lab(Path("/tmp/deploytool-lab"), hosts=3, workers=2).up()
    ...  # deploytool ship -i lab.inventory_path lab
    lab.start_workers(); lab.dispatch(10, 2); lab.ledger()
    lab.down()

K hosts h1..hK, each an sshd on 127.20.0.N:2222 in its own PID + mount + UTS namespace
under supervisord (see host.py), with nginx on 127.20.0.N:8080 and php-fpm 8.2 (web_conf.py,
driven through `lab.web`, web.py) and the app's process kinds (`lab.kinds`, kinds.py), one
shared Redis (127.0.0.1:6391) and one shared MariaDB (127.0.0.1:3391), both outside the
namespaces. Every process is remembered by pid and
start time in <root>/state.json; nothing is ever found or stopped by name.

This module is the fleet's shape and lifecycle (up, down, status, state); commands inside the
hosts are inside.py's, the app's state (jobs, ledger, databases) app_state.py's, building the
hosts build.py's, what the machine needs prerequisites.py's.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import appenv, state, web_conf
from . import host as hostns
from .app_state import AppState
from .build import Build
from .inside import Inside
from .kinds import Kinds
from .origin import Origin
from .prerequisites import check_prerequisites
from .procs import LabError, ProcRef, in_pid_namespaces, stop_all
from .services import MariaDB, Redis
from .web import WebTier

DEFAULT_ROOT = Path("/tmp/deploytool-lab")


def default_root() -> Path:
    return Path(os.environ.get("DEPLOYTOOL_LAB") or DEFAULT_ROOT)


@dataclass(frozen=True)
class LabHost:
    name: str  # h1, h2, ...: also the hostname inside the host
    address: str  # 127.20.0.N
    port: int  # 2222
    pid: int  # the namespace's PID 1 (supervisord), as seen from outside
    app_dir: Path  # the host's /var/www/app, as seen from outside


class Lab(Build, AppState, Inside):
    def __init__(
        self,
        root: Path | str | None = None,
        hosts: int = 3,
        workers: int = 2,
        *,
        address_prefix: str = "127.20.0",
        ssh_port: int = 2222,
        redis_port: int = 6391,
        mariadb_port: int = 3391,
        web_root: str | None = None,
    ):
        if not 1 <= hosts <= 254:
            raise LabError(f"hosts must be between 1 and 254, got {hosts}")
        if workers < 1:
            raise LabError(f"workers must be at least 1, got {workers}")
        self.root = Path(root or default_root()).absolute()
        self.n_hosts, self.n_workers = hosts, workers
        self.address_prefix, self.ssh_port = address_prefix, ssh_port
        self.redis_port, self.mariadb_port = redis_port, mariadb_port
        # what nginx passes to PHP on every host: realpath ($realpath_root) or document
        self.web_root = web_root or os.environ.get("DEPLOYTOOL_LAB_WEB_ROOT") or "realpath"
        web_conf.WebSettings(web_root=self.web_root)  # validates it
        self.web, self.kinds = WebTier(self), Kinds(self)
        self._origin = Origin(self.root)
        self._popen: list[subprocess.Popen] = []  # children of this process, kept to be reaped
        self._requested = (hosts, workers, self.web_root, address_prefix, redis_port, mariadb_port)
        self._state = state.load(self.root)
        if self._state:  # a lab already at this root defines the fleet's shape and addresses
            self._adopt(self._state)
        self._services()

    def _adopt(self, st: state.LabState) -> None:
        self.n_hosts, self.n_workers, self.web_root = st.hosts, st.workers, st.web_root
        self.address_prefix, self.ssh_port = st.address_prefix, st.ssh_port
        self.redis_port, self.mariadb_port = st.redis_port, st.mariadb_port

    def _services(self) -> None:
        self._redis = Redis(self.root / "redis", self.redis_port)
        self._mariadb = MariaDB(self.root / "mariadb", self.mariadb_port)

    # ----------------------------------------------------------------- paths and shape
    @property
    def identity(self) -> Path:
        return self.root / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        return self.root / "ssh_config"

    @property
    def inventory_path(self) -> Path:
        return self.root / "inventory.yml"

    @property
    def authorized_keys(self) -> Path:
        return self.root / "authorized_keys"

    @property
    def origin_path(self) -> Path:
        return self._origin.bare

    @property
    def dispatcher_dir(self) -> Path:
        return self.root / "dispatcher"

    def specs(self) -> list[hostns.HostSpec]:
        return [
            hostns.HostSpec(
                i, f"{self.address_prefix}.{i}", self.ssh_port, self.root, self.n_workers
            )
            for i in range(1, self.n_hosts + 1)
        ]

    @property
    def hosts(self) -> list[LabHost]:
        st = self._require_state()
        by_name = {s.name: s for s in self.specs()}
        return [
            LabHost(n.name, n.address, n.port, n.init.pid, by_name[n.name].app_dir)
            for n in st.nodes
        ]

    def host(self, which: str | LabHost) -> LabHost:
        name = which.name if isinstance(which, LabHost) else which
        for h in self.hosts:
            if h.name == name:
                return h
        raise LabError(f"no lab host {name!r}; hosts are {', '.join(h.name for h in self.hosts)}")

    # ----------------------------------------------------------------- lifecycle
    def is_up(self) -> bool:
        st = self._state = state.load(self.root)
        return bool(st) and all(p.alive() for p in st.procs())

    def owner_alive(self) -> bool | None:
        """For a lab that is up: is the process that started it still running? None when
        it was started for nobody in particular (the CLI)."""
        st = self._require_state()
        return None if st.owner is None else st.owner.alive()

    def up(self, timeout: float = 60, owner: int | None = None) -> Lab:
        """Start the fleet. Reuses a lab already up at this root with the same shape; a
        stale or half-started one is stopped first. Fails clearly if another lab holds the
        addresses or ports. `owner`: pid of the process responsible for taking it down
        (a pytest session), recorded so that an orphaned lab can be recognised."""
        check_prerequisites()
        self.root.mkdir(parents=True, exist_ok=True)
        with self._locked():
            existing = state.load(self.root)
            if existing and all(p.alive() for p in existing.procs()):
                have = (
                    existing.hosts,
                    existing.workers,
                    existing.web_root,
                    existing.address_prefix,
                    existing.redis_port,
                    existing.mariadb_port,
                )
                if self._requested != have:
                    raise LabError(
                        f"a lab with {existing.hosts} host(s) x {existing.workers} worker(s) "
                        f"(web root {existing.web_root}) "
                        f"on {existing.address_prefix}.N is already up at {self.root}; run "
                        f"`python -m tests.lab down --root {self.root}` first"
                    )
                self._state = existing
                self._adopt(existing)
                self._services()
                return self
            if existing:
                self._stop(existing)
            self.n_hosts, self.n_workers, self.web_root = self._requested[:3]
            self.address_prefix = self._requested[3]
            self.redis_port, self.mariadb_port = self._requested[4:]
            self._services()
            self._wipe_root()
            try:
                self._start(timeout, owner)
            except BaseException:
                if self._state:
                    self._stop(self._state)
                raise
        return self

    def down(self, grace: float = 10) -> None:
        """Stop every lab process by pid and wait for all of them, then forget the state.
        Raises LabError if anything survived (it should not: killing a namespace's PID 1
        kills everything in it)."""
        with self._locked():
            st = state.load(self.root) or self._state
            if st is None:
                return
            survivors = self._stop(st, grace)
        if survivors:
            raise LabError(
                f"lab processes survived down: {', '.join(str(r.pid) for r in survivors)}"
            )

    def processes(self) -> list[ProcRef]:
        """Every live process of the lab: the recorded ones and anything inside a host."""
        st = self._require_state()
        inside = in_pid_namespaces({n.pidns for n in st.nodes})
        return sorted({*[p for p in st.procs() if p.alive()], *inside}, key=lambda r: r.pid)

    def status(self) -> dict:
        st = state.load(self.root)
        if st is None:
            return {"root": str(self.root), "up": False}
        return {
            "root": str(self.root),
            "up": all(p.alive() for p in st.procs()),
            "hosts": [
                {
                    "name": n.name,
                    "address": f"{n.address}:{n.port}",
                    "pid": n.init.pid,
                    "alive": n.init.alive(),
                    "ssh": hostns.ssh_banner(n.address, n.port),
                    "web": web_conf.listening(n.address),
                }
                for n in st.nodes
            ],
            "redis": {
                "address": f"127.0.0.1:{st.redis_port}",
                "pid": st.redis and st.redis.pid,
                "alive": bool(st.redis and st.redis.alive()),
            },
            "mariadb": {
                "address": f"127.0.0.1:{st.mariadb_port}",
                "pid": st.mariadb and st.mariadb.pid,
                "alive": bool(st.mariadb and st.mariadb.alive()),
            },
            "inventory": str(self.inventory_path),
            "ssh_config": str(self.ssh_config),
        }

    # ----------------------------------------------------------------- internals
    def _require_state(self) -> state.LabState:
        if self._state is None:
            self._state = state.load(self.root)
        if self._state is None:
            raise LabError(
                f"the lab at {self.root} is not up: run `python -m tests.lab up --root {self.root}`"
            )
        return self._state

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    def _env_text(self) -> str:
        key_file = self.root / "app_key"
        if not key_file.exists():
            key_file.write_text(appenv.new_app_key() + "\n")
        return appenv.env_text(key_file.read_text().strip(), self.redis_port, self.mariadb_port)

    def _stop(self, st: state.LabState, grace: float = 10) -> list[ProcRef]:
        # PID 1 of each host first: supervisord stops sshd and the workers (TERM); past the
        # grace it is SIGKILLed, and the kernel then kills everything left in its namespace.
        namespaces = {n.pidns for n in st.nodes}
        survivors = stop_all([n.init for n in st.nodes], grace)
        survivors += stop_all([n.unshare for n in st.nodes], 5)
        survivors += stop_all(in_pid_namespaces(namespaces), 2)
        survivors += stop_all([p for p in (st.redis, st.mariadb) if p], 20)
        for proc in self._popen:
            proc.poll()
        self._popen = [p for p in self._popen if p.returncode is None]
        state.forget(self.root)
        self._state = None
        return survivors
