"""The machine running deploytool as a transport: `local: true` user steps run here.

Same seam and guarantees as the SSH transports: the command is what envelope.wire() makes of it
(shell.render() text run by `sh -c`, its secrets on stdin), carrying the session's marker
(shell.with_marker) so what it starts can be told apart; a per-command deadline (a command past
it is killed and reported like a remote timeout); output handed over line by line for --verbose.
Each command runs in its own session (a process group), and `stop()` ends every group still
running, as the remote stopper does on a host: the first SIGINT of a ship reaches the local steps
too (session.stop_remote).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from ..config.model import Host
from ..envelope import wire
from ..errors import UnreachableError
from ..shell import Command
from .base import OnOutput, Result

# What events and errors call the machine running deploytool.
HOST = Host(address="localhost", name="local", roles=())
GRACE = 2.0  # seconds between SIGTERM and SIGKILL to a stopped or timed-out group


class LocalTransport:
    def __init__(self, cwd: Path | None = None):
        self.cwd = cwd  # where commands start (the inventory's directory)
        self.marker = ""
        self._running: set[subprocess.Popen] = set()
        self._stops = 0  # stop() calls so far: a command starting meanwhile checks it
        self._lock = threading.Lock()

    def connect(self, host: Host) -> None:
        pass

    def run(
        self,
        host: Host,
        command: Command,
        *,
        timeout: float,
        step: str = "",
        marked: bool = True,
        on_output: OnOutput | None = None,
    ) -> Result:
        sent = wire(command, self.marker if marked else "")
        start = time.monotonic()
        with self._lock:
            stops = self._stops
        proc = subprocess.Popen(
            ["sh", "-c", sent.text],
            cwd=self.cwd,
            stdin=subprocess.PIPE if sent.stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: stop() ends it and its children
        )
        with self._lock:
            self._running.add(proc)
            missed = self._stops != stops
        if missed:  # stop() ran while it was starting, before it was in _running to be seen
            _end_group(proc)
        if sent.stdin:  # the command's secrets (envelope.py); then EOF
            try:
                proc.stdin.write(sent.stdin)
                proc.stdin.close()
            except BrokenPipeError:
                pass
        out: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
        readers = [
            threading.Thread(target=_read, args=(pipe, name, out[name], on_output), daemon=True)
            for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr))
        ]
        for r in readers:
            r.start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _end_group(proc)
            raise UnreachableError(
                host.name, step or "run", f"command timed out after {timeout:g}s", timed_out=True
            ) from None
        finally:
            for r in readers:
                r.join(5)
            with self._lock:
                self._running.discard(proc)
        return Result(
            host.name,
            proc.returncode,
            b"".join(out["stdout"]).decode("utf-8", "replace"),
            b"".join(out["stderr"]).decode("utf-8", "replace"),
            time.monotonic() - start,
        )

    def stop(self) -> None:
        """End every command still running (TERM to its group, then KILL after a grace)."""
        with self._lock:
            self._stops += 1
            running = list(self._running)
        for proc in running:
            _end_group(proc)

    def close(self) -> None:
        self.stop()


def _read(pipe, name: str, into: list[bytes], on_output: OnOutput | None) -> None:
    for line in iter(pipe.readline, b""):
        into.append(line)
        if on_output is not None:
            on_output(name, line.decode("utf-8", "replace").rstrip("\r\n"))
    pipe.close()


def _end_group(proc: subprocess.Popen) -> None:
    """TERM to the group, a grace for the leader, then KILL to whatever of the group is left (a
    child that ignores TERM, or one that outlived its parent)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(GRACE)
        except subprocess.TimeoutExpired:
            pass
