"""The web census, beside the worker census: which release each web host's web tier answers with.

Per web host and round, one round trip (probes/web_probe.py, from the host itself, through the
URL it serves): deploytool's probe, which names the release its code was compiled from, and the
app's own endpoint when `web.probe` is set (its body must contain `expect` with {release}
filled in). A host is *verified* when every answer in one round came from the new release.
`WebCheck` keeps each host's state for the drain (run.py): poll while the workers drain, then,
if a host still serves old code when they are done, keep asking until the host's deadline (the
drain policy's; on_timeout: wait waits on). The health step uses `serves()` to wait for the new
code before it judges a host (steps/health.py). No decision here touches a host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config.durations import format_duration
from ..config.model import Host
from ..config.web_model import WebPolicy
from ..events import WebProgress, WebView
from ..probes.web_probe import (
    Answer,
    app_probe_request,
    fill,
    parse_answers,
    probe_request,
    requests_command,
)


@dataclass(frozen=True)
class Served:
    """One host's web answers in one round, judged against the release that should answer."""

    host: str
    new: bool
    release: str  # what deploytool's probe named ("" when it did not answer with a release)
    detail: str  # what came back, for a person: the release, or the status and body
    url: str = ""


def judge(host: str, answers: Sequence[Answer], new_release: str, web: WebPolicy) -> Served:
    """Pure: the probe (if verify) and then the app probe (if set), in the order asked."""
    answers = list(answers)
    release = ""
    if web.verify:
        probe = answers.pop(0)
        release = probe.release
        if release != new_release:
            what = f"release {release}, not {new_release}" if release else probe.describe()
            return Served(host, False, release, what, probe.url)
    if web.probe is not None:
        app = answers.pop(0)
        expect = fill(web.probe.expect, release=new_release)
        if app.status != 200 or expect not in app.body:
            return Served(
                host, False, release, f"{app.describe()} (expected {expect!r} in it)", app.url
            )
    return Served(host, True, release or new_release, f"release {new_release}")


def serves(ctx, host: Host, web: WebPolicy, new_release: str, step: str) -> Served:
    """Ask `host` once what it serves (one round trip)."""
    reqs = ([probe_request(ctx.app.deploy_path, host, web)] if web.verify else []) + (
        [app_probe_request(host, web)] if web.probe is not None else []
    )
    r = ctx.run(host, requests_command(ctx.app.php, reqs), step, check=False, timeout=60)
    answers = parse_answers(r.exit_code, r.stdout, r.stderr, [q.url for q in reqs])
    return judge(host.name, answers, new_release, web)


def checked(web: WebPolicy) -> bool:
    return web.verify or web.probe is not None


class WebCheck:
    """The drain's view of the web hosts: which are verified, what the others serve."""

    def __init__(self, ctx, policies: Mapping[str, object]):
        self.ctx = ctx
        self.release = ctx.state.release
        prepared = bool(ctx.state.web.get("prepared"))
        self.hosts = {h.name: (h, w) for h, w in ctx.web_hosts() if prepared and checked(w)}
        self.deadlines = {n: policies[n].deadline for n in self.hosts if n in policies}
        self.waits = {n for n in self.hosts if n in policies and policies[n].on_timeout == "wait"}
        self.every = min((policies[n].poll for n in self.hosts if n in policies), default=1.0)
        self.last: dict[str, Served] = {}
        self._shown: tuple = ()

    @property
    def pending(self) -> list[str]:
        return [n for n in self.hosts if not (n in self.last and self.last[n].new)]

    def poll(self) -> None:
        names = [n for n in self.pending if n not in self.ctx.state.lost_hosts]
        if not names:
            return
        got = self.ctx.fanout.map(
            lambda n: serves(self.ctx, *self.hosts[n], self.release, "drain"), names
        )
        self.last.update({s.host: s for s in got})

    def views(self) -> tuple[WebView, ...]:
        return tuple(
            WebView(n, "new" if s.new else "old", s.release, s.detail, s.url)
            for n, s in sorted(self.last.items())
        )

    def report(self, elapsed: float, deadline: float) -> None:
        """A WebProgress event when what the web hosts serve changed."""
        views = self.views()
        if views and views != self._shown:
            self._shown = views
            self.ctx.bus.emit(WebProgress(round(elapsed, 2), round(deadline, 2), views))

    def overdue(self, elapsed: float) -> list[str]:
        return [
            n
            for n in self.pending
            if n not in self.waits and elapsed >= self.deadlines.get(n, 600.0)
        ]

    def finish(self, start: float) -> list[str]:
        """After the workers drained: ask the hosts still serving old code until each answers
        with the new release or passes its deadline. Returns the hosts that did not."""
        clock, cancel = self.ctx.clock, self.ctx.cancel
        while True:
            elapsed = clock.monotonic() - start
            self.report(elapsed, max(self.deadlines.values(), default=0.0))
            late = self.overdue(elapsed)
            if not self.pending or set(self.pending) <= set(late) | self.ctx.state.lost_hosts:
                return late
            cancel.check("drain")
            clock.sleep(self.every, cancel)
            self.poll()

    def message(self, late: Sequence[str]) -> str:
        lines = []
        for n in late:
            s = self.last.get(n)
            what = s.detail if s else "no answer"
            where = f" ({s.url})" if s and s.url else ""
            lines.append(
                f"{n}: the web tier still serves old code after its "
                f"{format_duration(self.deadlines.get(n, 600.0))} deadline: {what}{where}"
            )
        return "\n".join(lines)
