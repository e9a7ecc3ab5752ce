"""A deploy session: what ship and rollback share around their step lists.

Connect every host (host keys verified before anything changes), take the stage lock (leased,
renewed), run the steps with signals turned into a cancel at the next safe point, and on every
exit path: stop what we started remotely if cancelled, release the lock, write the audit line,
close connections. The first SIGINT/SIGTERM/SIGHUP cancels; a second aborts at once (still
releasing the lock and closing connections).
"""

from __future__ import annotations

import signal
import threading
import time
import uuid

from . import audit
from .errors import DeployError, ExitCode, Interrupted, UnreachableError
from .events import Escalated, ShipFinished, ShipStarted
from .events import Warning as WarningEvent
from .fanout import Fanout
from .lock import DeployLock
from .pipeline import Context, run_steps
from .stagelock import let_go, take_lock
from .stopper import stop_command


class Signals:
    """First signal: trip the cancel token and stop remote commands (unless the switch is under
    way: it completes or is undone everywhere). Second: abort now."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self, ctx: Context, on_first):
        self.ctx = ctx
        self.on_first = on_first
        self.saved: dict = {}

    def __enter__(self):
        for s in self.SIGNALS:
            self.saved[s] = signal.signal(s, self.handle)
        return self

    def handle(self, signum, frame):
        first = not self.ctx.cancel.tripped
        self.ctx.cancel.trip(signum)
        if first:
            threading.Thread(target=self.on_first, name="deploytool-cancel", daemon=True).start()
        else:
            raise Interrupted(signum, "abort (second signal)")

    def __exit__(self, *exc):
        for s, h in self.saved.items():
            signal.signal(s, h)


def stop_remote(ctx: Context) -> None:
    """Stop the ship's own remote commands on every host (never inside the switch). Twice: a
    command may have been starting on a host just as the first pass looked."""
    ctx.cancel.stopping.set()
    try:
        for attempt in range(2):
            if ctx.state.in_switch or ctx.state.switched:
                return
            if attempt:
                time.sleep(0.5)
            ctx.local.stop()  # `local: true` user steps: their process groups, here

            def one(h):
                try:
                    ctx.transport.run(
                        h, stop_command(ctx.state.token), timeout=5, step="cancel", marked=False
                    )
                except DeployError:
                    pass

            # its own pool: the run's may be full of the very commands this is about to stop;
            # as wide as the run's, so every host is asked at once within the 6 s
            stopper = Fanout(ctx.fanout.size)
            try:
                stopper.map(one, ctx.live_hosts, timeout=6)
            finally:
                stopper.close()
    finally:
        ctx.cancel.stopped.set()


def run_session(
    ctx: Context, command: str, specs, registry, on_failure=(), lock_wait: float = 0.0
) -> int:
    """Run `specs` as one locked, audited, cancellable session. Returns the exit code."""
    bus, stage = ctx.bus, ctx.stage
    ctx.state.token = uuid.uuid4().hex
    ctx.transport.marker = ctx.local.marker = ctx.state.token
    escalations: list[dict] = []
    bus.subscribe(lambda e: escalations.append(e.to_dict()) if isinstance(e, Escalated) else None)
    t0 = time.monotonic()
    lock: DeployLock | None = None
    code, message = int(ExitCode.OK), ""
    try:
        with Signals(ctx, lambda: stop_remote(ctx)):
            bus.emit(
                ShipStarted(
                    command,
                    stage.name,
                    ctx.ref,
                    tuple(h.name for h in stage.hosts),
                    tuple(s.name for s in specs),
                )
            )
            try:
                ctx.each("connect", ctx.transport.connect, rolling=False)  # capped by the transport
                lock = take_lock(ctx, lock_wait, tuple(s.name for s in specs))
                run_steps(ctx, specs, registry, on_failure)
            except DeployError as e:
                code, message = int(e.exit_code), e.message
                said = "\n".join(
                    x for x in (hint(ctx, e.hint or where_next(ctx, e)), let_go(ctx, lock)) if x
                )
                bus.emit(
                    ShipFinished(
                        False,
                        code,
                        time.monotonic() - t0,
                        ctx.state.release,
                        e.message,
                        said,
                        tuple(ctx.state.step_durations),
                    )
                )
                return code
            unreleased = let_go(ctx, lock)
            if unreleased:
                bus.emit(WarningEvent(unreleased, stage.migration_host.name))
            bus.emit(
                ShipFinished(
                    True,
                    code,
                    time.monotonic() - t0,
                    ctx.state.release,
                    step_durations=tuple(ctx.state.step_durations),
                )
            )
            return code
    except Interrupted as e:  # a second signal: abort now
        code, message = int(e.exit_code), e.message
        bus.emit(
            ShipFinished(
                False,
                code,
                time.monotonic() - t0,
                ctx.state.release,
                e.message,
                hint(ctx, where_next(ctx, e)),
                tuple(ctx.state.step_durations),
            )
        )
        return code
    finally:
        let_go(ctx, lock)  # a second signal's abort, or an error past the first release
        audit.record(ctx, command, code, message, time.monotonic() - t0, escalations)
        ctx.transport.close()


def hint(ctx: Context, text: str) -> str:
    """A failed run's hint, plus how to lift the maintenance mode it leaves behind (if any)."""
    if not ctx.state.down:
        return text
    from .steps.maintenance import still_down

    return "\n".join(t for t in (text, still_down(ctx)) if t)


def where_next(ctx: Context, e: DeployError) -> str:
    if isinstance(e, UnreachableError) and e.step == "migrate":
        return (
            f"the migration may have partly run on {e.host} before it was lost: once it is back, "
            "check `php artisan migrate:status` there; nothing was switched, and the next ship "
            "migrates again"
        )
    if isinstance(e, Interrupted):
        if ctx.state.switched:
            return (
                "every host is switched to the new release and the queue restart was sent; the "
                "drain was not verified: run `deploytool drain-status " + ctx.stage.name + "`"
            )
        return (
            "nothing was switched and the lock is released; run the same command again to continue"
        )
    return ""
