"""`deploytool doctor <stage>` and `deploytool doctor --files PATH...`: the graceful-shutdown
checklist, read-only. Exit 0 when nothing fails (warnings allowed; --strict fails on them too),
DOCTOR_FAILED (10) otherwise. This module only wires: facts (doctor/inspect), rules
(doctor/checks, doctor/files), output (ui/doctor_view)."""

from __future__ import annotations

from ..errors import ExitCode, UsageError
from ..ui.document import Document
from . import common


def add(sub) -> None:
    p = sub.add_parser(
        "doctor",
        help="check that workers stop gracefully: supervisord/systemd on every host, "
        "or Dockerfiles, compose files and manifests with --files (read-only)",
    )
    common.add_inventory(p)
    common.add_limit(p)
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


def run(args, env) -> Document:
    if args.files and args.stage:
        raise UsageError("give a stage or --files, not both")
    if args.files:
        from ..doctor.files import check_files

        report = check_files(args.files, args.job_timeout)
    elif args.stage:
        report = check_stage(args)
    else:
        raise UsageError("doctor needs a stage, or --files PATH...", "deploytool doctor production")
    bad = report.failed or (args.strict and report.warned)
    return Document("doctor", report, int(ExitCode.DOCTOR_FAILED if bad else ExitCode.OK))


def check_stage(args):
    from ..doctor.checks import diagnose
    from ..doctor.inspect import gather_all

    inv = common.load(args.inventory)
    with common.open_stage(inv, args.stage, limit=args.limit) as ctx:
        facts = gather_all(ctx)
        return diagnose(f"stage {ctx.stage.name}", facts, {h.name: h.roles for h in ctx.hosts})
