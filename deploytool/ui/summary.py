"""What a finished ship comes down to, collected from the events: release, commit, duration per
step, the drain (how long, how many old workers, how many were finishing a job), warnings and
escalations, the result. One collector feeds the terminal's final summary, the GitHub step
summary and the webhook, so they cannot disagree.

"Jobs waited for": an idle worker leaves within about a second of queue:restart (the lab measures
~1 s); an old worker still there after BUSY_AFTER seconds of drain was finishing a job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import events as ev
from ..config.durations import format_duration

BUSY_AFTER = 2.0


@dataclass
class Summary:
    command: str = "ship"
    stage: str = ""
    ref: str = ""
    hosts: tuple[str, ...] = ()
    release: str = ""
    commit: str = ""
    steps: list[tuple[str, float, bool]] = field(default_factory=list)  # (step, seconds, ok)
    failed_step: str = ""
    drain_seconds: float | None = None
    drain_ok: bool | None = None
    old_workers: set[tuple[str, int]] = field(default_factory=set)
    busy_workers: set[tuple[str, int]] = field(default_factory=set)
    left: int = 0
    web: tuple[ev.WebView, ...] = ()  # the last web census
    rolled_back: ev.RolledBack | None = None
    warnings: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    finished: bool = False
    ok: bool = False
    exit_code: int = 0
    duration: float = 0.0
    message: str = ""
    hint: str = ""

    def __call__(self, e: ev.Event) -> None:
        if isinstance(e, ev.ShipStarted):
            self.command, self.stage, self.ref, self.hosts = e.command, e.stage, e.ref, e.hosts
        elif isinstance(e, ev.ReleaseResolved):
            self.release, self.commit = e.release, e.commit
        elif isinstance(e, ev.StepFinished):
            self.steps.append((e.step, e.duration, e.ok))
            if not e.ok and not self.failed_step:
                self.failed_step = e.step
        elif isinstance(e, ev.DrainProgress):
            for w in e.old:
                self.old_workers.add((w.host, w.pid))
                if e.elapsed >= BUSY_AFTER:
                    self.busy_workers.add((w.host, w.pid))
        elif isinstance(e, ev.DrainFinished):
            self.drain_seconds, self.drain_ok, self.left = e.elapsed, e.ok, len(e.left)
        elif isinstance(e, ev.WebProgress):
            self.web = e.hosts
        elif isinstance(e, ev.RolledBack):
            self.rolled_back = e
        elif isinstance(e, ev.Warning):
            self.warnings.append((e.host + ": " if e.host else "") + e.message)
        elif isinstance(e, ev.Escalated):
            self.escalations.append(f"{e.action} {e.host} pid {e.pid} ({e.release}, {e.state})")
        elif isinstance(e, ev.ShipFinished):
            self.finished, self.ok, self.exit_code, self.duration = (
                True,
                e.ok,
                e.exit_code,
                e.duration,
            )
            self.message, self.hint = e.message, e.hint
            self.release = e.release or self.release

    def drain_line(self) -> str:
        if self.drain_seconds is None:
            return ""
        n, busy = len(self.old_workers), len(self.busy_workers)
        text = f"{format_duration(self.drain_seconds)}, {n} old worker(s)"
        if busy:
            text += f", waited for {busy} job(s) in progress"
        if self.drain_ok is False:
            text += f", {self.left} still running at the deadline"
        return text

    def web_line(self) -> str:
        """The web census's last word, and a rollback if one happened."""
        parts = []
        if self.web:
            new = [v.host for v in self.web if v.status == "new"]
            old = [f"{v.host} ({v.detail})" for v in self.web if v.status != "new"]
            parts.append(
                (f"{', '.join(new)} serve the new release" if new else "")
                + ("; " if new and old else "")
                + (f"still old: {', '.join(old)}" if old else "")
            )
        r = self.rolled_back
        if r is not None:
            parts.append(
                f"rolled back {', '.join(r.hosts)} to {r.to}"
                if r.ok
                else f"NOT rolled back: {', '.join(r.hosts)} left on {r.release}"
            )
        return "; ".join(parts)

    def headline(self) -> str:
        what = f"{self.command} {self.stage} {self.ref}".strip()
        if not self.finished:
            return f"{what}: started on {len(self.hosts)} host(s)"
        if self.ok:
            return f"{what}: shipped {self.release} in {format_duration(self.duration)}"
        where = f" at {self.failed_step}" if self.failed_step else ""
        first = self.message.splitlines()[0] if self.message else ""
        return f"{what}: FAILED{where} (exit {self.exit_code}): {first}"

    def markdown(self) -> str:
        """A GitHub step summary (Markdown)."""
        icon = "✅" if self.ok else "❌"
        lines = [
            f"### {icon} deploytool {self.command} `{self.stage}`",
            "",
            "| | |",
            "|---|---|",
            f"| ref | `{self.ref}` |",
            f"| release | `{self.release or '-'}` |",
            f"| commit | `{self.commit[:12] or '-'}` |",
            f"| hosts | {', '.join(self.hosts)} |",
            f"| duration | {format_duration(self.duration)} |",
        ]
        if self.drain_line():
            lines.append(f"| drain | {self.drain_line()} |")
        if self.web_line():
            lines.append(f"| web | {self.web_line()} |")
        lines.append(f"| result | {'shipped' if self.ok else f'failed, exit {self.exit_code}'} |")
        if self.steps:
            lines += ["", "| step | time | |", "|---|---:|---|"]
            lines += [
                f"| {s} | {format_duration(d)} | {'ok' if ok else '**failed**'} |"
                for s, d, ok in self.steps
            ]
        if not self.ok and self.message:
            lines += ["", "```", self.message, "```"]
            if self.hint:
                lines += ["", f"**Next:** {self.hint}"]
        for title, items in (("Warnings", self.warnings), ("Escalations", self.escalations)):
            if items:
                lines += ["", f"**{title}**", ""] + [f"- {x}" for x in items]
        return "\n".join(lines) + "\n"
