"""The session's side of the stage lock (lock.py): take it (waiting with --wait-lock, taking an
expired one over and putting right what its dead holder left, recover.py), keep its owner record
current as the run's journal, and let it go, saying so when the migration host cannot be reached
to release it (its lease then runs out by itself).
"""

from __future__ import annotations

import os
import signal

from . import audit
from .config.durations import format_duration
from .errors import DeployError, ExitCode
from .events import Maintenance, ReleaseResolved, StepStarted
from .events import Warning as WarningEvent
from .lock import DeployLock, describe
from .recover import recover


def take_lock(ctx, wait: float, steps: tuple[str, ...] = ()) -> DeployLock:
    """The stage lock, held and renewed; after a takeover, what the dead run left put right
    (`steps`: what this run will do, so the recovery knows whether it lifts a maintenance mode)."""
    lock = DeployLock(
        ctx.transport,
        ctx.stage.migration_host,
        ctx.path(".deploytool"),
        ctx.stage.name,
        ctx.app.lock_lease,
    )
    owner = {
        "owner": ctx.deployer,
        "started": ctx.started.isoformat(timespec="seconds"),
        "ref": ctx.ref,
        "pid": os.getpid(),
        "stage": ctx.stage.name,
        "run": ctx.state.token,  # what its remote commands carry: a successor stops them by it
    }
    if not ctx.stage.migration_host_selected:
        ctx.bus.emit(
            WarningEvent(
                "--limit leaves out the migration host, where the stage's deploy lock lives: "
                "deploytool connects to it for the lock only",
                ctx.stage.migration_host.name,
            )
        )
    deadline = ctx.clock.monotonic() + wait
    while True:
        try:
            st = lock.acquire(owner)
            break
        except DeployError as e:
            if e.exit_code != ExitCode.LOCKED or ctx.clock.monotonic() >= deadline:
                raise
            ctx.cancel.check("waiting for the lock")
            ctx.clock.sleep(2, ctx.cancel)
    if st.status == "TAKEOVER":
        msg = (
            f"took over the stage lock from {describe(st.owner)}: its lease expired "
            f"{format_duration(max(0, st.host_now - st.expires))} ago (that deploy died or lost "
            "its network)"
        )
        ctx.bus.emit(WarningEvent(msg, ctx.stage.migration_host.name))
        done = recover(ctx, st.owner, lifts="maintenance-up" in steps)
        audit.record_event(
            ctx,
            "lock-takeover",
            {"previous_owner": st.owner, "stopped": done.stopped, "removed": done.removed},
        )
    journal(ctx, lock)

    def lost(st):
        ctx.bus.emit(
            WarningEvent(
                f"lost the stage lock to {describe(st.owner)}; stopping at the next safe point",
                ctx.stage.migration_host.name,
            )
        )
        ctx.cancel.trip(signal.SIGTERM)

    lock.start_renewing(lost)
    return lock


def journal(ctx, lock: DeployLock) -> None:
    """Keep the lock's owner record current for whoever finds this run dead (recover.py): the
    release, before any of it is built (pull marks the state built, then announces it); the hosts
    in maintenance mode, as soon as they are (a run that dies leaves them down); the step, without
    holding it up."""

    def note(e) -> None:
        if isinstance(e, ReleaseResolved) and ctx.state.built:
            lock.note(sync=True, release=e.release)
        elif isinstance(e, Maintenance):
            lock.note(sync=True, down=list(ctx.state.down) if e.state != "up" else [])
        elif isinstance(e, StepStarted) and e.step == "maintenance-down":
            # any host may be down from here on, before the step says which (recover.py asks)
            lock.note(sync=True, step=e.step, down=[h.name for h in ctx.live_hosts])
        elif isinstance(e, StepStarted):
            lock.note(step=e.step)

    ctx.bus.subscribe(note)


def let_go(ctx, lock: DeployLock | None) -> str:
    """Release the lock; "" when it was released (or not held), else the sentence for the user."""
    if lock is None or not lock.held or lock.release(timeout=3) or not lock.release_error:
        return ""  # released, never held, or no longer ours (taken over: nothing to release)
    host = ctx.stage.migration_host.name
    return (
        f"the stage lock could not be released on {host} ({lock.release_error}): its lease "
        f"({format_duration(lock.lease)}) runs out by itself, and the next ship takes it over then"
    )
