"""Processes by pid: identity, polling with a deadline, stopping with escalation.

A pid alone is not an identity: after a crash the number can be reused by an unrelated
process, and `down` may run in another process long after `up`. So every process the lab
starts is remembered as a ProcRef (pid + kernel start time) and is only signalled while
both still match. Nothing here matches processes by name.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class LabError(RuntimeError):
    """The lab cannot do what was asked; the message says why and what to do."""


class LabTimeout(TimeoutError):
    """A readiness or shutdown wait ran past its deadline."""


def wait_until(check: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll `check` until it returns something truthy; raise LabTimeout at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise LabTimeout(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm (field 2) may contain spaces and parentheses: split after the last ')'.
    return raw[raw.rindex(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    """Kernel start time of `pid` in clock ticks (field 22 of /proc/PID/stat), or None."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def children(pid: int) -> list[int]:
    """Direct children of `pid` (all threads)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            pass
    return found


@dataclass(frozen=True)
class ProcRef:
    pid: int
    started: int  # kernel start time; guards against pid reuse

    @classmethod
    def of(cls, pid: int) -> ProcRef:
        started = start_time(pid)
        if started is None:
            raise ProcessLookupError(f"pid {pid} is not running")
        return cls(pid, started)

    def alive(self) -> bool:
        """Running and still the same process (a zombie counts as gone)."""
        fields = _stat_fields(self.pid)
        return bool(fields) and fields[0] != "Z" and int(fields[19]) == self.started

    def signal(self, sig: int) -> bool:
        if not self.alive():
            return False
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            return False
        return True

    def to_json(self) -> dict:
        return {"pid": self.pid, "started": self.started}

    @classmethod
    def from_json(cls, data: dict) -> ProcRef:
        return cls(int(data["pid"]), int(data["started"]))


def reap(pid: int) -> None:
    """Collect `pid` if it is our child, so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop_all(refs: list[ProcRef], grace: float, kill_after: float = 5.0) -> list[ProcRef]:
    """SIGTERM every ref, wait up to `grace` for all of them together, SIGKILL the rest and
    wait up to `kill_after`. Returns the refs still alive after all that (normally none)."""
    live = [r for r in refs if r.signal(signal.SIGTERM)]

    def remaining() -> list[ProcRef]:
        for r in live:
            reap(r.pid)
        return [r for r in live if r.alive()]

    try:
        wait_until(lambda: not remaining(), grace, "processes to exit after SIGTERM")
        return []
    except LabTimeout:
        pass
    for r in remaining():
        r.signal(signal.SIGKILL)
    try:
        wait_until(lambda: not remaining(), kill_after, "processes to exit after SIGKILL")
    except LabTimeout:
        pass
    return remaining()


def in_pid_namespaces(namespaces: set[str]) -> list[ProcRef]:
    """Every live process whose PID namespace is one of `namespaces` ('pid:[inode]')."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "ns" / "pid") in namespaces:
                found.append(ProcRef.of(int(entry.name)))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return [r for r in found if r.alive()]
