"""The runner: a playbook's step list run in order, each step a barrier across hosts.

A step is a function `run(ctx, options) -> str` (a one-line detail) registered in steps/. The
runner emits StepStarted/StepFinished, stops at the first failure, and then runs the playbook's
`on_failure` list (by default `discard`, which removes a half-built release; a switch is never left
half done: see steps/switch).
Steps never print: they return, raise DeployError, or emit events through ctx.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from .clock import Cancel, Clock
from .config.model import Application, Host, Inventory, Playbook, Stage, StepSpec
from .config.web_model import WebPolicy
from .config.workersconf import WorkerKind, effective_kinds
from .diskfull import explain
from .errors import DeployError, HostError, Interrupted
from .events import Bus, CommandOutput, CommandRan, HostStepFinished, StepFinished, StepStarted
from .events import Warning as WarningEvent
from .fanout import Fanout, per_batch
from .redaction import redact
from .runstate import ShipState
from .shell import Command, render
from .transport.base import Result, Transport
from .transport.local import HOST as LOCAL_HOST
from .transport.local import LocalTransport

T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    inventory: Inventory
    stage: Stage
    playbook: Playbook
    transport: Transport
    bus: Bus
    ref: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    clock: Clock = field(default_factory=Clock)
    cancel: Cancel = field(default_factory=Cancel)
    state: ShipState = field(default_factory=ShipState)
    deployer: str = ""
    verbose: bool = False
    target: str = ""  # rollback --to RELEASE
    artifact: str = ""  # ship --artifact FILE
    no_migrate: bool = False  # ship --no-migrate: check-migrations and migrate skip themselves
    local: LocalTransport = field(  # `local: true` user steps: the machine running deploytool
        default_factory=LocalTransport, repr=False, compare=False
    )
    batch: str = ""  # rolling window per step: `10` or `10%` of the hosts; "" = all at once
    fanout: Fanout = field(
        default_factory=Fanout, repr=False, compare=False
    )  # each()'s thread pool

    def close(self) -> None:
        """Close the connections and the run's thread pool (every command's last act)."""
        try:
            self.transport.close()
            self.local.close()
        finally:
            self.fanout.close()

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every value to redact: the inventory's secrets, the playbook's (user steps' env) and
        the run's own (the maintenance bypass)."""
        pb = self.playbook
        own = tuple(self.state.secrets)
        return self.inventory.secrets() + (pb.secrets() if pb is not None else ()) + own

    @property
    def worker_kinds(self) -> tuple[WorkerKind, ...]:
        """Every kind of long-running process the drain waits for (config/workersconf.py)."""
        return effective_kinds(self.app, self.playbook)

    @property
    def keep_releases(self) -> int:
        pb = self.playbook
        return (pb.keep_releases if pb is not None else None) or self.app.keep_releases

    @property
    def app(self) -> Application:
        return self.inventory.application

    @property
    def hosts(self) -> tuple[Host, ...]:
        return self.stage.hosts

    @property
    def live_hosts(self) -> tuple[Host, ...]:
        scope, lost = self.state.scope, self.state.lost_hosts
        return tuple(
            h for h in self.stage.hosts if h.name not in lost and (scope is None or h.name in scope)
        )

    def web_hosts(self) -> list[tuple[Host, WebPolicy]]:
        """The live hosts that have a web tier, with their settings (config/webconf.py)."""
        found = ((h, self.inventory.web_policy(self.stage, h)) for h in self.live_hosts)
        return [(h, w) for h, w in found if w is not None]

    def each_web(self, step: str, fn: Callable[[Host, WebPolicy], T]) -> dict[str, T]:
        """each() over the live web hosts, fn given each host's web settings ({} if none)."""
        web = dict((h.name, w) for h, w in self.web_hosts())
        return self.each(
            step, lambda h: fn(h, web[h.name]), [h for h in self.live_hosts if h.name in web]
        )

    # -- paths on the hosts ---------------------------------------------------------------------
    def path(self, *parts: str) -> str:
        return "/".join([self.app.deploy_path.rstrip("/"), *parts])

    @property
    def release_dir(self) -> str:
        return self.path("releases", self.state.release)

    # -- running commands -------------------------------------------------------------------------
    def run(
        self,
        host: Host,
        command: Command,
        step: str,
        *,
        timeout: float | None = None,
        check: bool = True,
        what: str = "",
        marked: bool = True,
        via: Transport | None = None,
    ) -> Result:
        """Run `command` on `host` (through `via` instead of the stage's transport: ctx.local),
        with its deadline, the ship's marker, events, --verbose streaming and redaction."""
        if marked and self.cancel.tripped and not self.state.switched:
            # a cancelled ship starts nothing new before the switch (the stopper already ran)
            raise Interrupted(self.cancel.signum, step)
        kw = {}
        if self.verbose:
            secrets = self.secrets
            kw["on_output"] = lambda stream, line: self.bus.emit(
                CommandOutput(host.name, step, stream, redact(line, secrets))
            )
        r = (via or self.transport).run(
            host,
            command,
            timeout=timeout or self.app.command_timeout,
            step=step,
            marked=marked,
            **kw,
        )
        self.bus.emit(
            CommandRan(host.name, step, render(command, self.secrets), r.exit_code, r.duration)
        )
        if check and not r.ok:
            why = None if via is not None else explain(self, host, r.stderr + r.stdout)
            raise r.failure(step, what, self.secrets, why)
        return r

    def each(
        self,
        step: str,
        fn: Callable[[Host], T],
        hosts: Sequence[Host] | None = None,
        detail: Callable[[T], str] | None = None,
        *,
        rolling: bool = True,
    ) -> dict[str, T]:
        """Run fn on every host in parallel (a barrier); raise the first host's error after all
        hosts finished, so no host is left mid-command when the step fails. `detail` turns a
        host's result into its HostStepFinished detail (a skip and why). With a `batch`, at most
        that many hosts run at once and no new host starts after one failed (`rolling=False`: the
        switch, which must flip every host as close together as it can)."""
        hosts = tuple(hosts if hosts is not None else self.live_hosts)
        results: dict[str, T] = {}
        errors: list[BaseException] = []

        def one(h: Host) -> None:
            t0 = time.monotonic()
            try:
                results[h.name] = fn(h)
                said = detail(results[h.name]) if detail is not None else ""
                self.bus.emit(HostStepFinished(step, h.name, True, time.monotonic() - t0, said))
            except BaseException as e:  # collected and re-raised below
                errors.append(e)
                msg = e.message if isinstance(e, DeployError) else repr(e)
                self.bus.emit(HostStepFinished(step, h.name, False, time.monotonic() - t0, msg))

        window = per_batch(self.batch, len(hosts)) if rolling and self.batch else None
        self.fanout.map(one, hosts, window=window, stop=lambda: bool(errors))
        if errors:
            errors.sort(key=lambda e: 0 if isinstance(e, HostError) else 1)
            first = errors[0]
            others = sorted(
                {e.host for e in errors[1:] if isinstance(e, HostError)}
                - {getattr(first, "host", "")}
            )
            if others and isinstance(first, DeployError):
                # 5 dead hosts out of 500: the summary names them all, not just the first
                shown = ", ".join(others[:10]) + (", ..." if len(others) > 10 else "")
                first.message += f"\n({len(others)} more host(s) failed in {step}: {shown})"
            raise first
        return results


StepFn = Callable[[Context, Mapping[str, object]], str]  # a user step's gets its StepSpec


def call(ctx: Context, spec: StepSpec, registry: Mapping[str, StepFn]) -> str:
    return registry[spec.verb](ctx, spec if spec.user is not None else spec.options)


def hosts_of(ctx: Context, spec: StepSpec) -> tuple[str, ...]:
    """The hosts a step runs on, as StepStarted names them."""
    if spec.name in LOCAL_STEPS:
        return (LOCAL_HOST.name,)
    if spec.user is None:
        return tuple(h.name for h in ctx.live_hosts)
    if spec.user.local:
        return (LOCAL_HOST.name,)
    return tuple(h.name for h in spec.user.hosts_of(ctx.live_hosts))


# Once every host is switched, these still run after a cancel: stopping between the switch and
# the queue restart would leave old workers running with nobody told to recycle them, and
# stopping before reload-web would leave FPM serving the old code from opcache.
FINISH_AFTER_SWITCH = frozenset({"reload-web", "restart-queue"})
# Built-in steps that run on the machine running deploytool, not on the hosts.
LOCAL_STEPS = frozenset({"build"})


def run_steps(
    ctx: Context,
    specs: Sequence[StepSpec],
    registry: Mapping[str, StepFn],
    on_failure: Sequence[StepSpec] = (),
) -> None:
    """The loop: start, run, finish, stop at the first failure (or at a cancel), then run the
    playbook's failure list. A health-gated switch is one unit, run batch by batch (rollout.py)."""
    from .rollout import Segment, run_segment, units

    todo = units(ctx, specs)
    names = [[s.name for s in u.specs] if isinstance(u, Segment) else [u.name] for u in todo]
    for k, unit in enumerate(todo):
        finishing = bool(ctx.state.switched) and set(names[k]) <= FINISH_AFTER_SWITCH
        if ctx.cancel.tripped and not finishing:
            if ctx.state.switched and any(set(n) <= FINISH_AFTER_SWITCH for n in names[k + 1 :]):
                continue  # after a cancel only what must follow a switch still runs
            # a cancel that landed between steps cleans up like one inside a step
            run_failure_list(ctx, on_failure, registry, names[k][0])
            raise Interrupted(ctx.cancel.signum, f"before {names[k][0]}")
        try:
            if isinstance(unit, Segment):
                run_segment(ctx, unit, registry, run_one)
            else:
                run_one(ctx, unit, registry)
        except BaseException:
            run_failure_list(ctx, on_failure, registry, ctx.state.failed_step or names[k][0])
            raise


def run_one(ctx: Context, spec: StepSpec, registry: Mapping[str, StepFn]) -> None:
    """One step: StepStarted, the step on its hosts, StepFinished; its error is raised."""
    ctx.bus.emit(StepStarted(spec.name, hosts_of(ctx, spec)))
    t0 = time.monotonic()
    try:
        detail = call(ctx, spec, registry)
    except BaseException as e:
        dt = time.monotonic() - t0
        ctx.state.step_durations.append((spec.name, dt))
        if ctx.cancel.tripped and not isinstance(e, Interrupted) and isinstance(e, DeployError):
            # our own stopper ended the step's commands: report the cancel, not their exit code
            e = Interrupted(ctx.cancel.signum, spec.name)
        msg = e.message if isinstance(e, DeployError) else f"{type(e).__name__}: {e}"
        ctx.bus.emit(StepFinished(spec.name, False, dt, msg))
        ctx.state.failed_step = ctx.state.failed_step or spec.name
        raise e
    dt = time.monotonic() - t0
    ctx.state.step_durations.append((spec.name, dt))
    ctx.bus.emit(StepFinished(spec.name, True, dt, detail or ""))


def run_failure_list(
    ctx: Context, specs: Sequence[StepSpec], registry: Mapping[str, StepFn], failed: str
) -> None:
    """The playbook's `on_failure` steps, each best effort: one failing does not skip the next,
    and none hides the failure that started them (the caller re-raises it)."""
    ctx.state.failed_step = failed
    for spec in specs:
        try:
            call(ctx, spec, registry)
        except DeployError as e:
            ctx.bus.emit(WarningEvent(f"on_failure: {spec.name}: {e.message}"))
