"""`deploytool ship <stage>`: connect to every host, run the playbook, report, exit with a code.

Host keys are verified for every host before the first step, so an unknown or changed key fails
before any change. A failure before the switch discards the half-built release; `current` is
only ever changed by the switch step, all or nothing. The first SIGINT/SIGTERM/SIGHUP asks the
pipeline to stop at the next safe point; a second one aborts at once. Either way the
connections are closed on the way out.
"""
from __future__ import annotations

import signal
import time

from ..errors import DeployError, ExitCode, Interrupted
from ..events import ShipFinished, ShipStarted
from ..pipeline import Context, run_steps
from ..steps import REGISTRY, discard
from ..transport.ssh import SSHTransport
from . import common


def add(sub) -> None:
    p = sub.add_parser("ship", help="deploy a ref to every host of a stage and verify the drain")
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument("--ref", help="branch, tag or commit (default: application.branch)")
    p.add_argument("--json", action="store_true", help="JSON lines on stdout instead of the live view")
    p.add_argument("-v", "--verbose", action="store_true")


def on_failure(ctx, step: str) -> None:
    if not ctx.state.switched:
        discard.run(ctx)


class Signals:
    """First signal: trip the cancel token (stop at the next safe point). Second: abort now."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self, cancel):
        self.cancel = cancel
        self.saved = {}

    def __enter__(self):
        for s in self.SIGNALS:
            self.saved[s] = signal.signal(s, self.handle)
        return self

    def handle(self, signum, frame):
        self.cancel.trip(signum)
        if self.cancel.count > 1:
            raise Interrupted(signum, "abort (second signal)")

    def __exit__(self, *exc):
        for s, h in self.saved.items():
            signal.signal(s, h)


def run(args) -> int:
    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    playbook = common.playbook_of(inv)
    bus, view = common.bus_with_ui(args.json)
    transport = SSHTransport(stage.ssh)
    ctx = Context(inventory=inv, stage=stage, playbook=playbook, transport=transport, bus=bus,
                  ref=args.ref or inv.application.branch, deployer=common.deployer(), verbose=args.verbose)
    t0 = time.monotonic()
    try:
        with Signals(ctx.cancel):
            bus.emit(ShipStarted("ship", stage.name, ctx.ref, tuple(h.name for h in stage.hosts),
                                 tuple(s.name for s in playbook.steps)))
            try:
                ctx.each("connect", transport.connect)
                run_steps(ctx, playbook.steps, REGISTRY, on_failure)
            except DeployError as e:
                bus.emit(ShipFinished(False, int(e.exit_code), time.monotonic() - t0, ctx.state.release,
                                      e.message, e.hint or where_next(ctx, e), tuple(ctx.state.step_durations)))
                return int(e.exit_code)
            bus.emit(ShipFinished(True, int(ExitCode.OK), time.monotonic() - t0, ctx.state.release,
                                  step_durations=tuple(ctx.state.step_durations)))
            return 0
    finally:
        transport.close()
        view.close()


def where_next(ctx, e: DeployError) -> str:
    if isinstance(e, Interrupted):
        if ctx.state.switched:
            return "the fleet is switched to the new release; run `deploytool drain-status` to follow the drain"
        return "nothing was switched; run the same ship again to continue"
    return ""
