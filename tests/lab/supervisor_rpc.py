"""The lab's own line to each host's supervisord: XML-RPC over the host's unix socket.

The lab reads and drives its programs (status, start, stop, TERM) many times a test, mostly in
polling loops. `supervisorctl` is a Python program: each call cost about 0.45 s of CPU here
(157 calls in one 6-minute run of three e2e files), on a suite that is CPU-bound on two cores.
supervisord answers the same requests on its socket, which the lab sees from outside at
<root>/hosts/hN/run/supervisor.sock, so asking it directly costs a millisecond.

deploytool itself never uses this: on a real host it runs `supervisorctl` over SSH like a user.
What the lab still does with supervisorctl (reread/update, php-fpm's stop/start) runs rarely.
"""

from __future__ import annotations

import http.client
import socket
import xmlrpc.client
from pathlib import Path

from .host import SUPERVISOR_SOCK

SOCK = Path(SUPERVISOR_SOCK).name  # in the host's /run, i.e. <root>/hosts/hN/run outside
# supervisor.states: STOPPED, EXITED, FATAL, UNKNOWN (as getProcessInfo spells them)
STOPPED = frozenset({"STOPPED", "EXITED", "FATAL", "UNKNOWN"})


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: str, timeout: float):
        super().__init__()
        self._path = path
        self._timeout = timeout

    def make_connection(self, host):
        return _UnixConnection(self._path, self._timeout)


class Supervisor:
    """One host's supervisord. A group is a program's name (`worker`, `scheduler`, ...)."""

    def __init__(self, sock: Path, timeout: float = 30):
        self._proxy = xmlrpc.client.ServerProxy(
            "http://localhost/RPC2", transport=_UnixTransport(str(sock), timeout)
        )

    def status(self, group: str) -> dict[str, tuple[str, int | None]]:
        """{'worker_00': ('RUNNING', 1234), ...}: as `supervisorctl status` shows it, a pid only
        while RUNNING."""
        return {
            p["name"]: (p["statename"], p["pid"] if p["statename"] == "RUNNING" else None)
            for p in self._proxy.supervisor.getAllProcessInfo()
            if p["group"] == group
        }

    def start(self, group: str) -> None:
        """Start what of the group is not running; returns at once (the caller polls status)."""
        self._proxy.supervisor.startProcessGroup(group, False)

    def stop(self, group: str) -> None:
        """TERM what of the group runs (supervisord KILLs after stopwaitsecs); returns at once."""
        self._proxy.supervisor.stopProcessGroup(group, False)

    def signal(self, group: str, sig: str) -> None:
        """Send `sig` to the group's running or stopping processes."""
        self._proxy.supervisor.signalProcessGroup(group, sig)

    def stopped(self, group: str) -> bool:
        return all(state in STOPPED for state, _ in self.status(group).values())
