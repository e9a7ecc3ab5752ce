"""Plain timestamped lines for CI logs and pipes. Each step is a collapsible section in GitLab and
a group in GitHub Actions (ui/ci.py); a failure is also a GitHub error annotation. The drain
prints when its count changes or every 10 seconds, not every poll. With --verbose, every remote
command and the output lines streamed from it are printed too."""

from __future__ import annotations

import time
from typing import TextIO

from .. import events as ev
from ..config.durations import format_duration
from . import maintenance_text
from .ci import Flavor, detect


def brief(command: str) -> str:
    """A remote command on one line: a multi-line script shows as its first and last lines."""
    if "\n" not in command:
        return command
    lines = command.split("\n")
    return f"{lines[0].strip()} …({len(lines) - 2} lines)… {lines[-1].strip()}"


class Plain:
    def __init__(
        self, stream: TextIO, clock=time.time, flavor: Flavor | None = None, verbose: bool = False
    ):
        self.stream = stream
        self.clock = clock
        self.flavor = flavor if flavor is not None else detect()
        self.verbose = verbose
        self._last_drain: tuple[int, float] | None = None
        self._web: ev.WebProgress | None = None

    def line(self, text: str, at: float | None = None) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(at if at is not None else self.clock()))
        for i, part in enumerate(text.split("\n")):
            self.stream.write(f"{stamp} {part}\n" if i == 0 else f"         {part}\n")
        self.stream.flush()

    def raw(self, lines: list[str]) -> None:
        for line in lines:
            self.stream.write(line + "\n")
        self.stream.flush()

    def __call__(self, e: ev.Event) -> None:
        if isinstance(e, ev.StepStarted):
            self.raw(self.flavor.open(e.step, f"{e.step} on {', '.join(e.hosts)}", e.at))
        text = self.render(e)
        if text is not None:
            self.line(text, e.at)
        if isinstance(e, ev.StepFinished):
            self.raw(self.flavor.close(e.step, e.at))
        elif isinstance(e, ev.Warning):
            self.raw(self.flavor.warning((e.host + ": " if e.host else "") + e.message))
        elif isinstance(e, ev.ShipFinished) and not e.ok:
            self.raw(
                self.flavor.error(
                    f"deploytool: exit {e.exit_code}",
                    e.message + (f"\nhint: {e.hint}" if e.hint else ""),
                )
            )

    def render(self, e: ev.Event) -> str | None:
        if isinstance(e, ev.ShipStarted):
            return (
                f"{e.command} {e.stage} ref={e.ref} hosts={','.join(e.hosts)} "
                f"steps={','.join(e.steps)}"
            )
        if isinstance(e, ev.ReleaseResolved):
            return f"release {e.release} (commit {e.commit[:12]})"
        if isinstance(e, ev.StepStarted):
            return f"-> {e.step}"
        if isinstance(e, ev.HostStepFinished):
            return f"   {e.host}: {'ok' if e.ok else 'FAILED'} {format_duration(e.duration)}" + (
                f" {e.detail}" if e.detail else ""
            )
        if isinstance(e, ev.StepFinished):
            mark = "ok" if e.ok else "FAILED"
            return f"<- {e.step} {mark} {format_duration(e.duration)}" + (
                f": {e.detail}" if e.detail else ""
            )
        if isinstance(e, ev.Maintenance):
            return "\n".join(maintenance_text.lines(e))
        if isinstance(e, ev.StepOutput):
            return "\n".join(e.lines)
        if isinstance(e, ev.CommandRan):
            return (
                f"   $ {e.host}: {brief(e.command)} (exit {e.exit_code}, "
                f"{format_duration(e.duration)})"
                if self.verbose
                else None
            )
        if e.kind == "CommandOutput":  # streamed output of a long command (--verbose)
            return (
                f"   {getattr(e, 'host', '')}| {getattr(e, 'line', '')}" if self.verbose else None
            )
        if isinstance(e, ev.DrainProgress):
            return self._drain(e)
        if isinstance(e, ev.DrainNotice):
            return f"   drain: {e.message}"
        if isinstance(e, ev.Escalated):
            what = "rolling SIGTERM" if e.action == "signal" else f"ESCALATION {e.action}"
            return (
                f"   {what}: {e.host} pid {e.pid} release {e.release} state {e.state} "
                f"age {format_duration(e.age)}" + ("" if e.ok else f" (failed: {e.detail})")
            )
        if isinstance(e, ev.DrainFinished):
            if e.ok:
                return f"   drain: done in {format_duration(e.elapsed)}"
            old_web = [v.host for v in (self._web.hosts if self._web else ()) if v.status != "new"]
            if not e.left and old_web:
                return f"   drain: the web tier of {', '.join(old_web)} still serves old code"
            return f"   drain: {len(e.left)} old worker(s) left"
        if isinstance(e, (ev.WebProgress, ev.HealthChecked, ev.RolloutBatch, ev.RolledBack)):
            return self._web_line(e)
        if isinstance(e, ev.Warning):
            return f"WARNING {e.host + ': ' if e.host else ''}{e.message}"
        if isinstance(e, ev.ShipFinished):
            if e.ok:
                steps = " ".join(f"{s}={format_duration(d)}" for s, d in e.step_durations)
                return f"shipped {e.release} in {format_duration(e.duration)} ({steps})"
            return f"FAILED (exit {e.exit_code}): {e.message}" + (
                f"\nhint: {e.hint}" if e.hint else ""
            )
        return None

    def _web_line(self, e: ev.Event) -> str:
        if isinstance(e, ev.WebProgress):
            self._web = e
            return "   web: " + ", ".join(
                f"{v.host} new" if v.status == "new" else f"{v.host} OLD ({v.detail})"
                for v in e.hosts
            )
        if isinstance(e, ev.HealthChecked):
            return f"   health: {e.host} GET {e.url}: " + (
                f"ok {e.status}" if e.ok else f"FAILED {e.detail}"
            )
        if isinstance(e, ev.RolloutBatch):
            kind = " (canary)" if e.canary else ""
            return f"   rollout: batch {e.index}/{e.total}{kind}: {', '.join(e.hosts)}"
        assert isinstance(e, ev.RolledBack)
        if e.ok:
            return f"ROLLED BACK {', '.join(e.hosts)} from {e.release} to {e.to}"
        return f"NOT rolled back: {', '.join(e.hosts)} still on {e.release}"

    def _drain(self, e: ev.DrainProgress) -> str | None:
        n = len(e.old)
        if self._last_drain and self._last_drain[0] == n and e.at - self._last_drain[1] < 10:
            return None
        self._last_drain = (n, e.at)
        per = " ".join(f"{h}:{c}" for h, c in e.per_host_old)
        left = (
            f", deadline in {format_duration(max(0.0, e.deadline - e.elapsed))}"
            if e.deadline
            else ""
        )
        return (
            f"   drain: {n} old worker(s) {('(' + per + ') ') if per else ''}{e.new_count} new, "
            f"{format_duration(e.elapsed)} elapsed{left}"
        )

    def close(self) -> None:
        pass
