"""A recording transport for the pipeline ring: it answers commands from a rule table and keeps
what each host was asked to run. Only for testing the runner's control flow; real behaviour is
tested on the lab."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from deploytool.shell import render
from deploytool.transport.base import Result


@dataclass
class RecordingTransport:
    answer: Callable[[str, str], tuple[int, str]]  # (host, shell text) -> (exit code, stdout)
    log: list[tuple[str, str]] = field(default_factory=list)
    uploads: list[tuple[str, str, str]] = field(default_factory=list)  # (host, local, remote)

    def connect(self, host) -> None:
        self.log.append((host.name, "<connect>"))

    marker: str = ""

    def run(self, host, command, *, timeout, step="", marked=True, on_output=None):
        text = render(command)
        self.log.append((host.name, text))
        code, out = self.answer(host.name, text)
        return Result(host.name, code, out, "boom" if code else "", 0.001)

    def upload(self, host, local, remote, *, timeout, step="", on_progress=None) -> None:
        self.log.append((host.name, f"<upload {local} -> {remote}>"))
        self.uploads.append((host.name, local, remote))

    def close(self) -> None:
        pass

    def ran(self, needle: str) -> list[str]:
        return [h for h, t in self.log if needle in t]
