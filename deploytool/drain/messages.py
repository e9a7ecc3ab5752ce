"""What the drain tells a person: every sentence of notices and of the give-up error, in one place.

Pure functions from decisions and census facts to text; no I/O. Kept together so the wording
stays consistent (and reviewable) and the drain's loop (run.py) reads as control flow only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..config.durations import format_duration
from ..config.model import DrainPolicy
from .decide import OldWorker


def flags(w) -> str:
    return (", ignores SIGTERM" if w.ignores_term else "") + (
        ", SIGTERM pending" if w.term_pending else ""
    )


def describe(left: Sequence[OldWorker]) -> str:
    return "\n    ".join(
        f"{o.host}: pid {o.worker.pid} release {o.worker.release} age "
        f"{format_duration(o.worker.age)} state {o.worker.state}{flags(o.worker)} "
        f"(kind {o.worker.kind})"
        for o in left
    )


def named(key: tuple[str, str]) -> str:
    """A track as people read it: `h1 (scheduler)`."""
    return f"{key[0]} ({key[1]})"


def pids(olds: Sequence[OldWorker]) -> str:
    return ", ".join(f"pid {o.worker.pid}" for o in olds)


def next_step(p: DrainPolicy) -> str:
    if p.on_timeout == "escalate":
        r = p.ladder[0]
        return f"Escalating per the ladder: {r.action} at {format_duration(r.after)}."
    return (
        f"No rung will touch them (on_timeout: {p.on_timeout}): the drain waits up to "
        f"{format_duration(p.deadline)}."
    )


# -- escalation -------------------------------------------------------------------------------
def untouched(
    host: str, rung: int, action: str, when: float, olds: Sequence[OldWorker], user: str
) -> str:
    return (
        f"{host}: rung {rung + 1} ({action} at {format_duration(when)}) leaves {len(olds)} old "
        f"process(es) alone: they do not belong to the app user ({user}): "
        + ", ".join(f"pid {o.worker.pid} uid {o.worker.uid}" for o in olds)
    )


def supervisor_restart(host: str, rung: int, n: int) -> str:
    return (
        f"{host}: rung {rung + 1}: supervisorctl restart of {n} old worker(s): supervisord sends "
        "the program's stopsignal, waits up to its stopwaitsecs, then SIGKILLs (supervisord's own "
        "escalation) and starts it again on the new release"
    )


def stopped(host: str, olds: Sequence[OldWorker]) -> str:
    return (
        f"{host}: {len(olds)} old worker(s) are stopped (SIGSTOP): SIGTERM stays pending until "
        "SIGCONT (a `cont` rung) or SIGKILL (a `kill` rung): " + pids(olds)
    )


def reminder(host: str, elapsed: float, n: int, deadline: float, kind: str = "queue") -> str:
    return (
        f"{host}: still waiting for {n} old {kind} process(es) after {format_duration(elapsed)} "
        f"(on_timeout: wait; deadline was {format_duration(deadline)})"
    )


def restart_signal(host: str, kind: str, sig: str, olds: Sequence[OldWorker]) -> str:
    return (
        f"{host}: restarting {kind} (restart: {sig}): SIG{sig} to {len(olds)} old process(es) "
        f"({pids(olds)}); the drain waits for them to exit per the kind's deadline"
    )


def kind_untouched(host: str, kind: str, olds: Sequence[OldWorker]) -> str:
    return (
        f"{host}: {len(olds)} old {kind} process(es) do not belong to the app user and get no "
        "restart signal: " + ", ".join(f"pid {o.worker.pid} uid {o.worker.uid}" for o in olds)
    )


# -- rolling batches --------------------------------------------------------------------------
def batch_clamped(batch: str, size: int) -> str:
    return (
        f"rolling: batch {batch} would restart every host with old workers at once; using "
        f"{size} host(s) per batch so capacity never drops to zero"
    )


def batch_started(index: int, total: int, host: str, mine: Sequence[OldWorker]) -> str:
    chosen = ", ".join(str(o.worker.pid) for o in mine) or "none it may touch"
    return (
        f"rolling batch {index}/{total}: {host}: SIGTERM to {len(mine)} old worker(s) ({chosen}); "
        "the next batch starts when they are gone and the new ones are up"
    )


def batch_untouched(olds: Sequence[OldWorker]) -> str:
    return (
        f"rolling: {len(olds)} old process(es) do not belong to the app user and are left "
        "alone: " + ", ".join(f"{o.host} pid {o.worker.pid}" for o in olds)
    )


# -- did queue:restart reach the host? --------------------------------------------------------
def not_reached(host: str, release_dir: str, v, ref, ref_host: str, then: str) -> str:
    value = "not set" if v.value is None else repr(v.value)
    return (
        f"{host}: queue:restart did not reach the old workers (release "
        f"{release_dir.rsplit('/', 1)[-1]}): they read cache store '{v.store}' prefix "
        f"'{v.prefix}', where illuminate:queue:restart is {value}; the restart wrote "
        f"{ref.value!r} through store '{ref.store}' prefix '{ref.prefix}' on {ref_host}. The cache "
        "is per host or per release: give every host and release the same CACHE_DRIVER and "
        f"CACHE_PREFIX. {then}"
    )


def busy(host: str, olds: Sequence[OldWorker]) -> str:
    return (
        f"{host}: queue:restart reached the old workers (they see the new restart time); "
        f"{len(olds)} still busy with a job: "
        + ", ".join(f"pid {o.worker.pid} ({format_duration(o.worker.age)} old)" for o in olds)
    )


def maybe_not_reached(host: str, elapsed: float, why: str, then: str) -> str:
    return (
        f"{host}: no old worker has exited {format_duration(elapsed)} after the restart: the "
        "restart signal may not have reached this host (per-host cache store or a different "
        f"cache prefix?) [{why}]. {then}"
    )


# -- the end ----------------------------------------------------------------------------------
def gave_up(
    gave: Sequence[tuple[str, str]],
    waiting: Sequence[str],
    left: Sequence[OldWorker],
    short: Mapping[tuple[str, str], tuple[int, int]],
    policies: Mapping[tuple[str, str], DrainPolicy],
    done: Mapping[str, int],
    elapsed: float,
) -> tuple[str, str]:
    """(message, hint) of the DrainTimeout. `gave`: the (host, kind) tracks that gave up;
    `short`: track -> (new workers up, expected) for tracks whose old workers are gone but whose
    new ones did not all come up."""
    lines = []
    for key in gave:
        h, kind = key
        mine = [o for o in left if (o.host, o.worker.kind) == key]
        deadline = format_duration(policies[key].deadline)
        if mine:
            lines.append(
                f"{h}: {len(mine)} old {kind} process(es) still running after the {kind} "
                f"deadline of {deadline}:\n    " + describe(mine)
            )
        else:
            up, expected = short.get(key, (0, 0))
            lines.append(
                f"{h}: its old {kind} workers are gone but only {up} of {expected} new one(s) "
                f"came up within {deadline}: the new release's workers may fail to start "
                "(supervisorctl status, the worker log)"
            )
    others = [o for o in left if (o.host, o.worker.kind) not in gave]
    if others:
        lines.append("still draining elsewhere:\n    " + describe(others))
    if waiting:
        lines.append(
            f"rolling stopped: {', '.join(waiting)} were not signalled and still run the "
            "old release"
        )
    did = ", ".join(f"{a} x{n}" for a, n in sorted(done.items()))
    killed = "" if done.get("kill", 0) else "; nothing was killed"
    tail = f"escalations: {did}{killed}" if did else "nothing was killed"
    hint = (
        "wait for these jobs to finish, then run `deploytool drain-status` to confirm; or set an "
        "escalation ladder in the inventory (drain.on_timeout: escalate)"
    )
    if any(policies[k].on_timeout == "escalate" for k in gave):
        hint = (
            "the ladder ran out before these workers exited: see `deploytool drain-status`; a "
            "`kill` rung ends them (their jobs are retried after retry_after)"
        )
    if waiting:
        hint = (
            f"fix what stopped the roll, then ship again; {', '.join(waiting)} still serve the "
            "old release"
        )
    message = (
        f"drain: gave up on {', '.join(map(named, gave))} after {format_duration(elapsed)} "
        f"({tail}):\n  " + "\n  ".join(lines)
    )
    return message, hint


# -- the web census ---------------------------------------------------------------------------
def web_hint(stage: str) -> str:
    return (
        "php-fpm still runs the old release's compiled code there: nginx passing $document_root "
        "with opcache frozen keeps it until opcache is reset or FPM reloads. Set web.strategy: "
        "opcache-reset (or fpm-reload), or pass $realpath_root; `deploytool doctor "
        f"{stage}` shows which; the workers did drain"
    )


# -- a host whose connection dropped mid-drain --------------------------------------------
def dropped(why: str, grace: float) -> str:
    why = why.split(": ", 2)[-1]  # without the "host: step: " the notice shows anyway
    return (
        f"its connection dropped ({why}): a crash or a reboot? reconnecting for up to "
        f"{format_duration(grace)}; its last census stands meanwhile"
    )


def reconnected(took: float) -> str:
    return f"back after {format_duration(took)}: its census is read afresh"
