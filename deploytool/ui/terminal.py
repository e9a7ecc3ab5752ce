"""The rich live view on a TTY: one row per host with its step and elapsed time, then the drain
as a table counting old workers down, then a summary. Finished steps and notices scroll above."""
from __future__ import annotations

import time

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .. import events as ev
from ..config.durations import format_duration


class Terminal:
    def __init__(self, console: Console | None = None, live: bool = True):
        self.console = console or Console(stderr=False)
        self.hosts: dict[str, tuple[str, str, float]] = {}   # host -> (step, status, since)
        self.step = ""
        self.step_since = time.time()
        self.drain: ev.DrainProgress | None = None
        self.live = Live(self.render(), console=self.console, refresh_per_second=8, transient=True) if live else None
        if self.live:
            self.live.start()

    def render(self):
        t = Table(box=None, show_header=True, header_style="bold")
        t.add_column("host")
        t.add_column("step")
        t.add_column("status")
        t.add_column("elapsed", justify="right")
        now = time.time()
        for host, (step, status, since) in self.hosts.items():
            style = {"ok": "green", "FAILED": "red"}.get(status, "yellow")
            t.add_row(host, step, Text(status, style=style), format_duration(now - since))
        parts = [t]
        if self.drain is not None:
            parts.append(drain_table(self.drain))
        return Group(*parts)

    def _refresh(self) -> None:
        if self.live:
            self.live.update(self.render())

    def __call__(self, e: ev.Event) -> None:
        c = self.console
        if isinstance(e, ev.ShipStarted):
            c.print(f"[bold]{e.command}[/] [cyan]{e.stage}[/] ref [bold]{e.ref}[/] on {len(e.hosts)} host(s)")
            self.hosts = {h: ("", "waiting", e.at) for h in e.hosts}
        elif isinstance(e, ev.ReleaseResolved):
            c.print(f"release [bold]{e.release}[/] (commit {e.commit[:12]})")
        elif isinstance(e, ev.StepStarted):
            self.step, self.step_since = e.step, e.at
            for h in e.hosts:
                self.hosts[h] = (e.step, "running", e.at)
        elif isinstance(e, ev.HostStepFinished):
            self.hosts[e.host] = (e.step, "ok" if e.ok else "FAILED", self.hosts.get(e.host, ("", "", e.at))[2])
        elif isinstance(e, ev.StepFinished):
            mark = "[green]✓[/]" if e.ok else "[red]✗[/]"
            c.print(f"{mark} {e.step:<16} {format_duration(e.duration):>7}  {e.detail}", highlight=False)
        elif isinstance(e, ev.StepOutput):
            for line in e.lines:
                c.print(line, highlight=False, markup=False)
        elif isinstance(e, ev.DrainProgress):
            self.drain = e
        elif isinstance(e, ev.DrainNotice):
            c.print(f"[yellow]drain:[/] {e.message}")
        elif isinstance(e, ev.Escalated):
            c.print(f"[bold red]escalation {e.action}[/]: {e.host} pid {e.pid} release {e.release} "
                    f"state {e.state} age {format_duration(e.age)}" + ("" if e.ok else f" [red](failed: {e.detail})[/]"))
        elif isinstance(e, ev.DrainFinished):
            self.drain = None
            if not e.ok:
                c.print(drain_table(ev.DrainProgress(e.elapsed, 0, e.left, 0, ())))
        elif isinstance(e, ev.Warning):
            c.print(f"[yellow]warning[/] {e.host + ': ' if e.host else ''}{e.message}")
        elif isinstance(e, ev.ShipFinished):
            self.close()
            if e.ok:
                c.print(f"[bold green]shipped[/] {e.release} in {format_duration(e.duration)}")
                summary = Table(box=None)
                summary.add_column("step")
                summary.add_column("time", justify="right")
                for s, d in e.step_durations:
                    summary.add_row(s, format_duration(d))
                c.print(summary)
            else:
                c.print(f"[bold red]failed[/] (exit {e.exit_code}): {e.message}", markup=True, highlight=False)
                if e.hint:
                    c.print(f"[dim]hint:[/] {e.hint}", highlight=False)
            return
        self._refresh()

    def close(self) -> None:
        if self.live:
            self.live.stop()
            self.live = None


def drain_table(p: ev.DrainProgress) -> Table:
    t = Table(title=f"drain: {len(p.old)} old worker(s), {p.new_count} new, {format_duration(p.elapsed)}"
              + (f" of {format_duration(p.deadline)}" if p.deadline else ""), title_justify="left")
    for col in ("host", "pid", "release", "state", "age", "signals"):
        t.add_column(col)
    for w in p.old:
        flags = ", ".join(x for x, on in (("ignores TERM", w.ignores_term), ("TERM pending", w.term_pending)) if on)
        t.add_row(w.host, str(w.pid), w.release, Text(w.state, style="red" if w.state == "stopped" else ""),
                  format_duration(w.age), flags)
    return t
