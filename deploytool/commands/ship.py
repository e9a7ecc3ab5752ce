"""`deploytool ship <stage>`: the playbook's steps as one locked, audited, cancellable session.

A failure before the switch runs the playbook's `on_failure` list (discard the half-built
release); `current` is only ever changed by the switch step, all or nothing. See session.py for
locking, signals and the audit line.
"""

from __future__ import annotations

import dataclasses

from .. import notify
from ..config.drainconf import batch_ok
from ..config.durations import parse_duration
from ..errors import ConfigError, UsageError
from ..session import run_session
from ..steps import REGISTRY, check_migrations, migrate
from ..ui.confirm import confirm_stage
from . import common


def add(sub) -> None:
    p = sub.add_parser("ship", help="deploy a ref to every host of a stage and verify the drain")
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument("--ref", help="branch, tag or commit (default: application.branch)")
    p.add_argument(
        "--artifact",
        metavar="FILE",
        help="deploy this prebuilt artifact (`deploytool build -o FILE`): its manifest gives the "
        "commit and ref; nothing is built",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show what the ship would do (`deploytool plan`); change nothing",
    )
    p.add_argument(
        "--no-migrate",
        action="store_true",
        help="neither check nor run migrations (needed when --limit leaves out the migration host)",
    )
    add_session_args(p)


def add_session_args(p) -> None:
    p.add_argument(
        "-y", "--yes", action="store_true", help="do not ask to confirm a `confirm: true` stage"
    )
    p.add_argument(
        "--json", action="store_true", help="JSON lines on stdout instead of the live view"
    )
    p.add_argument(
        "--wait-lock",
        metavar="DURATION",
        default="0",
        help="wait this long for another deploy's lock (e.g. 5m) instead of failing at once",
    )
    p.add_argument(
        "--batch",
        metavar="N|N%",
        help="rolling batches: each step runs on at most this many hosts at a time (10 or 10%%; "
        "default: application.batch / the stage's batch, else every host at once); the switch "
        "stays all at once",
    )
    p.add_argument("-v", "--verbose", action="store_true")
    common.add_limit(p)


def batch_of(args, inv, stage) -> str:
    """--batch, else the stage's `batch`, else application.batch ("" = every host at once)."""
    if args.batch:
        problem = batch_ok(args.batch)
        if problem:
            raise UsageError(f"--batch: {problem}")
        return args.batch
    return stage.batch or inv.application.batch


def lock_wait(args) -> float:
    try:
        return parse_duration(args.wait_lock)
    except ValueError as e:
        raise UsageError(f"--wait-lock: {e}") from None


def run(args, env) -> int:
    if args.dry_run:
        from . import plan

        args.fetch = False
        return plan.run(args, env)
    inv = common.load(args.inventory)
    if args.artifact:
        return ship_artifact(args, env, inv)
    return launch(args, env, inv, "ship", args.ref or inv.application.branch)


def ship_artifact(args, env, inv) -> int:
    """`ship --artifact FILE`: the artifact strategy whatever the inventory says, the ref from the
    manifest (read here, so a bad file fails before any connection)."""
    from ..artifact.envelope import open_artifact

    if args.ref:
        raise UsageError("--ref and --artifact: the artifact's manifest gives the commit and ref")
    manifest = open_artifact(args.artifact).manifest
    inv = dataclasses.replace(
        inv, application=dataclasses.replace(inv.application, strategy="artifact")
    )
    return launch(args, env, inv, "ship", manifest.ref, artifact=args.artifact)


def launch(args, env, inv, command: str, ref: str, target: str = "", artifact: str = "") -> int:
    """What ship and rollback share around run_session: confirm, the UI, notifications."""
    stage = common.stage_of(inv, args.stage)
    wait = lock_wait(args)
    confirm_stage(stage, args.yes)
    bus, view = common.bus_with_ui(args.json, env)
    view.verbose = args.verbose
    with common.open_stage(
        inv,
        stage.name,
        bus=bus,
        ref=ref,
        deployer=common.deployer(),
        verbose=args.verbose,
        target=target,
        batch=batch_of(args, inv, stage),
        limit=args.limit,
        no_migrate=getattr(args, "no_migrate", False),
        artifact=artifact,
    ) as ctx:
        pb = ctx.playbook
        if command == "rollback" and not pb.rollback:
            raise ConfigError([f"{pb.path}: rollback: the playbook has no `rollback:` step list"])
        specs, failure = (pb.rollback, ()) if command == "rollback" else (pb.steps, pb.on_failure)
        if any(s.name == "migrate" for s in specs):
            migrate.refuse_outside_limit(ctx)  # before connecting anywhere
        if inv.application.migrations.policy != "off" and any(
            s.name == "check-migrations" for s in specs
        ):
            check_migrations.warm()  # the gate's parsers load while we connect
        hook = notify.subscribe(bus, inv, ctx.deployer, lambda m: env.error(f"warning: {m}"))
        try:
            return run_session(ctx, command, specs, REGISTRY, failure, wait)
        finally:
            view.close()
            if hook is not None:
                hook.close()
