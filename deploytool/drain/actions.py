"""What the drain does to processes, as a Round says: the restart signal of a kind restarted by
signal, ladder rungs, a rolling batch's SIGTERM. One guarded command per host per action
(signal.py), all hosts at once, one Escalated event per process, a DrainNotice for what a person
should read first. Also the app user's uid per host and kind, read once per drain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..config.model import DrainPolicy
from ..errors import DeployError, UnreachableError
from ..events import DrainNotice, Escalated
from ..shell import cmd
from . import messages
from .decide import Escalate, OldWorker
from .signal import parse_outcomes, signal_command
from .tracks import Batch, Key, KindSignal


class Actor:
    def __init__(self, ctx, policies: Mapping[Key, DrainPolicy], uids, users: Mapping[str, str]):
        self.ctx, self.policies, self.uids, self.users = ctx, policies, uids, users
        self.by_name = {h.name: h for h in ctx.hosts}
        self.done: dict[str, int] = {}  # action -> processes it reached (for the summary)
        self.signalled: dict[str, int] = {}  # kind -> processes sent its restart signal

    def notice(self, message: str, host: str = "", topic: str = "") -> None:
        self.ctx.bus.emit(DrainNotice(message, host, topic))

    def act(
        self, action: str, chosen: Sequence[OldWorker], rung: int, sig: str | None = None
    ) -> None:
        """One guarded command per host and kind (uids are per kind), all at once."""
        ctx = self.ctx
        groups = sorted({(o.host, o.worker.kind) for o in chosen})

        def one(key: Key):
            mine = [o for o in chosen if (o.host, o.worker.kind) == key]
            uid = None if self.uids is None else self.uids.get(key)
            try:
                res = ctx.run(
                    self.by_name[key[0]],
                    signal_command(action, ctx.app.deploy_path, uid, mine, sig),
                    "drain",
                    check=False,
                    timeout=max(120.0, ctx.stage.ssh.connect_timeout),
                )
                return mine, parse_outcomes(res.stdout), res.tail(2)
            except DeployError as e:
                return mine, {}, e.message

        for mine, outcomes, tail in ctx.fanout.map(one, groups):
            for o in mine:
                w, out = o.worker, outcomes.get(o.worker.pid)
                ok = out is not None and out.ok
                detail = (
                    out.detail
                    if ok
                    else (f"{out.status}: {out.detail}" if out else f"no answer: {tail}")
                )
                if ok:
                    self.done[action] = self.done.get(action, 0) + 1
                ctx.bus.emit(
                    Escalated(
                        action,
                        o.host,
                        w.pid,
                        w.release,
                        w.state,
                        round(w.age, 1),
                        ok,
                        detail,
                        rung,
                        w.ignores_term,
                        w.term_pending,
                        w.kind,
                    )
                )

    def restart(self, signals: Sequence[KindSignal]) -> None:
        """Kinds restarted by signal (`restart: TERM`): a notice per host and kind, then the
        signals, every host and kind at once for each signal."""
        for s in signals:
            host, kind = s.key
            if s.untouched:
                self.notice(messages.kind_untouched(host, kind, s.untouched), host, "untouched")
            if s.targets:
                self.notice(
                    messages.restart_signal(host, kind, s.signal, s.targets), host, "restart"
                )
                self.signalled[kind] = self.signalled.get(kind, 0) + len(s.targets)
        for sig in sorted({s.signal for s in signals if s.targets}):
            chosen = [o for s in signals if s.signal == sig for o in s.targets]
            self.act("signal", chosen, -1, sig)

    def escalate(self, key: Key, esc: Escalate) -> None:
        host = key[0]
        when = self.policies[key].ladder[esc.rung].after
        if esc.untouched:
            user = self.users.get(key[1]) or self.ctx.stage.ssh.user
            self.notice(
                messages.untouched(host, esc.rung, esc.action, when, esc.untouched, user),
                host,
                "untouched",
            )
        if esc.action == "supervisor-restart" and esc.targets:
            self.notice(
                messages.supervisor_restart(host, esc.rung, len(esc.targets)),
                host,
                "supervisor-restart",
            )
        stopped = [o for o in esc.targets if o.worker.state in ("stopped", "traced")]
        if esc.action == "term" and stopped:
            self.notice(messages.stopped(host, stopped), host, "stopped")
        if esc.targets:
            self.act(esc.action, esc.targets, esc.rung)

    def start_batch(self, b: Batch, first_size: int) -> None:
        if b.clamped_from:
            self.notice(messages.batch_clamped(b.clamped_from, first_size), "", "batch")
        for h in b.hosts:
            mine = [o for o in b.targets if o.host == h]
            self.notice(messages.batch_started(b.index, b.total, h, mine), h, "batch")
        if b.untouched:
            self.notice(messages.batch_untouched(b.untouched), "", "untouched")
        if b.targets:
            self.act("signal", b.targets, -1)


def owner_uids(ctx, kinds) -> dict[Key, int] | None:
    """The uid escalation may touch, per host and kind: the kind's `user`, else the SSH login
    user's. One `id -u` per distinct user per host, once per drain; -1 (touch nothing) when it
    cannot be read."""
    users = list(dict.fromkeys(k.user for k in kinds))
    timeout = max(10.0, ctx.stage.ssh.connect_timeout)

    def uids(h) -> dict[str | None, int]:
        out: dict[str | None, int] = {}
        for user in users:
            try:
                r = ctx.transport.run(
                    h,
                    cmd("id", "-u", user) if user else cmd("id", "-u"),
                    timeout=timeout,
                    step="drain",
                )
            except UnreachableError:
                return {u: -1 for u in users}
            out[user] = int(r.stdout.strip()) if r.ok and r.stdout.strip().isdigit() else -1
        return out

    hosts = ctx.live_hosts
    found = dict(zip((h.name for h in hosts), ctx.fanout.map(uids, hosts)))
    return {(h, k.name): found[h][k.user] for h in found for k in kinds}
