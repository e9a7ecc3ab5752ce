"""`deploytool doctor <stage>` and `deploytool doctor --files PATH...`: the graceful-shutdown
checklist, read-only. Exit 0 when nothing fails (warnings allowed; --strict fails on them too),
DOCTOR_FAILED (10) otherwise. This module only wires: facts (doctor/inspect), rules
(doctor/checks, doctor/files), output (doctor/render)."""

from __future__ import annotations

import sys

from ..errors import ExitCode, UsageError
from . import common


def add(sub) -> None:
    p = sub.add_parser(
        "doctor",
        help="check that workers stop gracefully: supervisord/systemd on every host, "
        "or Dockerfiles, compose files and manifests with --files (read-only)",
    )
    common.add_inventory(p)
    p.add_argument("stage", nargs="?")
    p.add_argument(
        "--files",
        nargs="+",
        metavar="PATH",
        help="check these local files instead of a stage: Dockerfile, docker-compose.yml, "
        "Kubernetes manifests, supervisord .conf, systemd .service",
    )
    p.add_argument(
        "--job-timeout",
        type=int,
        metavar="SECONDS",
        help="with --files: the longest job, when no worker --timeout is found in the files "
        "(default: the worker's --timeout, else 60)",
    )
    p.add_argument("--strict", action="store_true", help="exit non-zero on warnings too")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def run(args) -> int:
    if args.files and args.stage:
        raise UsageError("give a stage or --files, not both")
    if args.files:
        from ..doctor.files import check_files

        report = check_files(args.files, args.job_timeout)
    elif args.stage:
        report = check_stage(args)
    else:
        raise UsageError("doctor needs a stage, or --files PATH...", "deploytool doctor production")
    show(report, args.json)
    bad = report.failed or (args.strict and report.warned)
    return int(ExitCode.DOCTOR_FAILED if bad else ExitCode.OK)


def check_stage(args):
    from ..doctor.checks import diagnose
    from ..doctor.inspect import gather_all
    from ..events import Bus
    from ..pipeline import Context
    from ..transport import open_transport

    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    ctx = Context(
        inventory=inv,
        stage=stage,
        playbook=common.playbook_of(inv),
        transport=open_transport(stage.ssh),
        bus=Bus(),
        ref="",
    )
    try:
        facts = gather_all(ctx)
    finally:
        ctx.transport.close()
    return diagnose(f"stage {stage.name}", facts, {h.name: h.roles for h in stage.hosts})


def show(report, as_json: bool) -> None:
    from ..doctor import render
    from ..ui import plain_wanted

    if as_json:
        sys.stdout.write(render.json_text(report) + "\n")
    elif plain_wanted(sys.stdout):
        sys.stdout.write("\n".join(render.plain_lines(report)) + "\n")
    else:
        from rich.console import Console

        Console().print(render.tables(report))
