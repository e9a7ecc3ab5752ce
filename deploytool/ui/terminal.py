"""The rich live view on a TTY: one row per host with its current step and elapsed time; during
the drain, a table counting old workers down against the deadline; at the end a summary
(release, duration per step, drain time, jobs waited for). Finished steps, notices and, with
--verbose, every remote command and its streamed output scroll above the live area."""

from __future__ import annotations

import time

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .. import events as ev
from ..config.durations import format_duration
from . import maintenance_text
from .plain import brief
from .summary import Summary
from .web_view import web_event, web_line

STATUS_STYLE = {"ok": "green", "FAILED": "bold red", "running": "yellow", "waiting": "dim"}
MAX_WORKER_ROWS = 12


class Terminal:
    def __init__(
        self,
        console: Console | None = None,
        live: bool = True,
        clock=time.time,
        verbose: bool = False,
    ):
        self.console = console or Console(stderr=False)
        self.clock = clock
        self.verbose = verbose
        self.summary = Summary()
        self.hosts: dict[str, list] = {}  # host -> [step, status, since, took]
        self.step, self.step_index, self.steps = "", 0, ()
        self.drain: ev.DrainProgress | None = None
        self.web: ev.WebProgress | None = None
        self.first_old = 0
        self.live = (
            Live(
                self.render(),
                console=self.console,
                refresh_per_second=4,
                transient=True,
                get_renderable=self.render,
            )
            if live
            else None
        )
        if self.live:
            self.live.start()

    # -- what the live area shows -----------------------------------------------------------------
    def render(self):
        now = self.clock()
        title = Text(
            f"step {self.step_index}/{len(self.steps)}: {self.step}" if self.step else "connecting",
            style="bold",
        )
        t = Table(title=title, title_justify="left", box=None, header_style="bold", pad_edge=False)
        for col, just in (
            ("host", "left"),
            ("step", "left"),
            ("status", "left"),
            ("elapsed", "right"),
        ):
            t.add_column(col, justify=just)
        per_host_old = dict(self.drain.per_host_old) if self.drain is not None else {}
        for host, (step, status, since, took) in list(self.hosts.items()):
            elapsed = took if took is not None else now - since
            if self.drain is not None and step == "drain" and status == "running":
                n = per_host_old.get(host, 0)
                status = f"{n} old worker(s) left" if n else "drained"
            t.add_row(
                host,
                step,
                Text(
                    status, style=STATUS_STYLE.get(status, "yellow" if "old" in status else "green")
                ),
                format_duration(elapsed),
            )
        parts = [t]
        if self.drain is not None:
            parts.append(drain_table(self.drain, self.first_old, now))
        if self.web is not None and (self.drain is not None or self.step == "drain"):
            parts.append(web_line(self.web))
        return Group(*parts)

    def _refresh(self) -> None:
        if self.live:
            self.live.refresh()

    # -- events ----------------------------------------------------------------------------------
    def __call__(self, e: ev.Event) -> None:
        self.summary(e)
        c = self.console
        if isinstance(e, ev.ShipStarted):
            self.steps = e.steps
            c.print(
                Text.assemble(
                    (e.command, "bold"),
                    " ",
                    (e.stage, "cyan"),
                    " ref ",
                    (e.ref, "bold"),
                    f" on {len(e.hosts)} host(s): {', '.join(e.hosts)}",
                )
            )
            self.hosts = {h: ["", "waiting", e.at, None] for h in e.hosts}
        elif isinstance(e, ev.ReleaseResolved):
            c.print(Text.assemble("release ", (e.release, "bold"), f" (commit {e.commit[:12]})"))
        elif isinstance(e, ev.StepStarted):
            self.step = e.step
            self.step_index = (
                (self.steps.index(e.step) + 1) if e.step in self.steps else self.step_index + 1
            )
            for h in e.hosts:
                self.hosts[h] = [e.step, "running", e.at, None]
        elif isinstance(e, ev.HostStepFinished):
            row = self.hosts.get(e.host)
            if row is not None and row[0] == e.step:
                row[1], row[3] = ("ok" if e.ok else "FAILED"), e.duration
        elif isinstance(e, ev.StepFinished):
            mark = Text("✓", style="green") if e.ok else Text("✗", style="bold red")
            c.print(
                Text.assemble(
                    mark, f" {e.step:<16} {format_duration(e.duration):>7}  ", e.detail or ""
                )
            )
        elif isinstance(e, ev.Maintenance):
            style = "bold yellow" if e.state in ("down", "held") else ""
            for line in maintenance_text.lines(e):
                c.print(Text(line, style=style))
        elif isinstance(e, ev.StepOutput):
            for line in e.lines:
                c.print(line, highlight=False, markup=False)
        elif isinstance(e, ev.CommandRan):
            if self.verbose:
                c.print(
                    Text(
                        f"  $ {e.host}: {brief(e.command)} (exit {e.exit_code}, "
                        f"{format_duration(e.duration)})",
                        style="dim",
                    )
                )
        elif e.kind == "CommandOutput":
            if self.verbose:
                c.print(Text(f"  {getattr(e, 'host', '')}| {getattr(e, 'line', '')}", style="dim"))
        elif isinstance(e, ev.DrainProgress):
            if self.drain is None:
                self.first_old = len(e.old)
            self.drain = e
        elif isinstance(e, ev.WebProgress):
            self.web = e
        elif isinstance(e, (ev.HealthChecked, ev.RolloutBatch, ev.RolledBack)):
            c.print(web_event(e))
        elif isinstance(e, ev.DrainNotice):
            c.print(Text.assemble(("drain: ", "yellow"), e.message))
        elif isinstance(e, ev.Escalated):
            what = (
                ("rolling SIGTERM", "yellow")
                if e.action == "signal"
                else (f"escalation {e.action}", "bold red")
            )
            c.print(
                Text.assemble(
                    what,
                    f": {e.host} pid {e.pid} release "
                    f"{e.release} state {e.state} age {format_duration(e.age)}",
                    ("" if e.ok else f" (failed: {e.detail})", "red"),
                )
            )
        elif isinstance(e, ev.DrainFinished):
            self.drain = None
            if not e.ok and self.web is not None:
                c.print(web_line(self.web))
            if not e.ok:
                c.print(
                    drain_table(ev.DrainProgress(e.elapsed, 0, e.left, 0, ()), self.first_old, e.at)
                )
        elif isinstance(e, ev.Warning):
            c.print(
                Text.assemble(("warning ", "yellow"), (e.host + ": ") if e.host else "", e.message)
            )
        elif isinstance(e, ev.ShipFinished):
            self.close()
            c.print(final_summary(self.summary))
            return
        self._refresh()

    def close(self) -> None:
        if self.live:
            self.live.stop()
            self.live = None


def drain_table(p: ev.DrainProgress, first_old: int, now: float) -> Group:
    """Old workers left, per host and per worker, and the time left before the deadline."""
    elapsed = p.elapsed + max(0.0, now - p.at) if p.deadline else p.elapsed
    gone = max(0, first_old - len(p.old))
    title = Text.assemble(
        ("drain: ", "bold"),
        (f"{len(p.old)} old worker(s) left", "bold yellow" if p.old else "bold green"),
        f" ({gone} of {first_old} gone), {p.new_count} new, {format_duration(elapsed)}",
    )
    if p.deadline:
        title.append(
            f", deadline in {format_duration(max(0.0, p.deadline - elapsed))}",
            style="bold red" if p.deadline - elapsed < 60 else "",
        )
    t = Table(header_style="bold")
    for col in ("host", "pid", "release", "state", "age", "signals"):
        t.add_column(col)
    for w in p.old[:MAX_WORKER_ROWS]:
        flags = ", ".join(
            x
            for x, on in (("ignores TERM", w.ignores_term), ("TERM pending", w.term_pending))
            if on
        )
        # the kind when it is not the default queue one, Horizon's process type when it is one
        parts = [getattr(w, "kind", "queue"), getattr(w, "process", "worker")]
        kind = "/".join(x for x in parts if x not in ("queue", "worker")) or "worker"
        t.add_row(
            w.host,
            str(w.pid) + ("" if kind == "worker" else f" ({kind})"),
            w.release,
            Text(w.state, style="red" if w.state == "stopped" else ""),
            format_duration(w.age),
            flags,
        )
    if len(p.old) > MAX_WORKER_ROWS:
        per = ", ".join(f"{h}: {n}" for h, n in p.per_host_old)
        t.add_row("…", f"{len(p.old) - MAX_WORKER_ROWS} more", "", "", "", per)
    return Group(title, t) if p.old else Group(title)


def final_summary(s: Summary):
    head = Text(s.headline(), style="bold green" if s.ok else "bold red")
    t = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    t.add_column("step")
    t.add_column("time", justify="right")
    t.add_column("")
    total = sum(d for _, d, _ in s.steps) or 1.0
    for step, d, ok in s.steps:
        bar = "█" * max(1, round(20 * d / total))
        t.add_row(step, format_duration(d), Text(bar, style="green" if ok else "red"))
    parts = [head]
    if s.release:
        parts.append(
            Text(f"release {s.release}" + (f" (commit {s.commit[:12]})" if s.commit else ""))
        )
    if s.steps:
        parts.append(t)
    if s.drain_line():
        parts.append(Text.assemble(("drain: ", "bold"), s.drain_line()))
    if s.web_line():
        parts.append(Text.assemble(("web: ", "bold"), s.web_line()))
    for w in s.warnings:
        parts.append(Text.assemble(("warning ", "yellow"), w))
    if not s.ok and s.finished:
        if s.message and "\n" in s.message:
            parts.append(Text(s.message, style="red"))
        if s.hint:
            parts.append(Text.assemble(("hint: ", "dim"), s.hint))
    return Group(*parts)
