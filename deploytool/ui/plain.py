"""Plain timestamped lines for CI logs and pipes. The drain prints when its count changes or
every 10 seconds, not every poll."""
from __future__ import annotations

import time
from typing import TextIO

from ..config.durations import format_duration
from .. import events as ev


class Plain:
    def __init__(self, stream: TextIO, clock=time.time):
        self.stream = stream
        self.clock = clock
        self._last_drain: tuple[int, float] | None = None

    def line(self, text: str, at: float | None = None) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(at if at is not None else self.clock()))
        for i, part in enumerate(text.split("\n")):
            self.stream.write(f"{stamp} {part}\n" if i == 0 else f"         {part}\n")
        self.stream.flush()

    def __call__(self, e: ev.Event) -> None:
        text = self.render(e)
        if text is not None:
            self.line(text, e.at)

    def render(self, e: ev.Event) -> str | None:
        if isinstance(e, ev.ShipStarted):
            return f"{e.command} {e.stage} ref={e.ref} hosts={','.join(e.hosts)} steps={','.join(e.steps)}"
        if isinstance(e, ev.ReleaseResolved):
            return f"release {e.release} (commit {e.commit[:12]})"
        if isinstance(e, ev.StepStarted):
            return f"-> {e.step}"
        if isinstance(e, ev.HostStepFinished):
            return f"   {e.host}: {'ok' if e.ok else 'FAILED'} {format_duration(e.duration)}" + (
                "" if e.ok or not e.detail else f" {e.detail}")
        if isinstance(e, ev.StepFinished):
            mark = "ok" if e.ok else "FAILED"
            return f"<- {e.step} {mark} {format_duration(e.duration)}" + (f": {e.detail}" if e.detail else "")
        if isinstance(e, ev.StepOutput):
            return "\n".join(e.lines)
        if isinstance(e, ev.DrainProgress):
            n = len(e.old)
            if self._last_drain and self._last_drain[0] == n and e.at - self._last_drain[1] < 10:
                return None
            self._last_drain = (n, e.at)
            per = " ".join(f"{h}:{c}" for h, c in e.per_host_old)
            return f"   drain: {n} old worker(s) {('(' + per + ') ') if per else ''}{e.new_count} new, " \
                   f"{format_duration(e.elapsed)} of {format_duration(e.deadline)}"
        if isinstance(e, ev.DrainNotice):
            return f"   drain: {e.message}"
        if isinstance(e, ev.Escalated):
            return (f"   ESCALATION {e.action}: {e.host} pid {e.pid} release {e.release} state {e.state} "
                    f"age {format_duration(e.age)}" + ("" if e.ok else f" (failed: {e.detail})"))
        if isinstance(e, ev.DrainFinished):
            if e.ok:
                return f"   drain: done in {format_duration(e.elapsed)}"
            return f"   drain: {len(e.left)} old worker(s) left"
        if isinstance(e, ev.Warning):
            return f"WARNING {e.host + ': ' if e.host else ''}{e.message}"
        if isinstance(e, ev.ShipFinished):
            if e.ok:
                steps = " ".join(f"{s}={format_duration(d)}" for s, d in e.step_durations)
                return f"shipped {e.release} in {format_duration(e.duration)} ({steps})"
            return f"FAILED (exit {e.exit_code}): {e.message}" + (f"\nhint: {e.hint}" if e.hint else "")
        return None

    def close(self) -> None:
        pass
