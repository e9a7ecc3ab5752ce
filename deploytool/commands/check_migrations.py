"""`deploytool check-migrations`: the migration gate on its own, through the gate's one entry.

Against a stage: the new release is prepared on the migration host only (pull + install), its
pending migrations gathered and judged, and everything it created removed; nothing is migrated
or switched and no worker is touched. Offline: `--sql FILE --dialect D` judges a file of
statements. Exit 0 when clean (warnings included), MIGRATION_BLOCKED (6) when a blocking finding
is not allowed; an unreadable file is a config error (3).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .. import gate
from ..errors import ExitCode, UsageError
from ..ui.document import Document
from ..ui.gate_view import GateResult
from . import common


def add(sub) -> None:
    p = sub.add_parser(
        "check-migrations", help="check pending migrations against the code still running"
    )
    common.add_inventory(p)
    p.add_argument("stage", nargs="?")
    p.add_argument("--ref")
    p.add_argument("--sql", help="check this file of SQL statements offline")
    p.add_argument(
        "--app",
        metavar="PATH",
        help="CI mode: check this Laravel app's pending migrations against its database "
        "(migrated to the running release), with the app's own migrate --pretend",
    )
    p.add_argument(
        "--database-url",
        metavar="URL",
        help="with --app: the database to pretend against (sets DATABASE_URL and DB_CONNECTION)",
    )
    p.add_argument(
        "--schema",
        metavar="FILE",
        help="judge against this schema dump (schema:dump, mysqldump --no-data, pg_dump -s)",
    )
    p.add_argument(
        "--running",
        metavar="PATH",
        help="the running release's code (e.g. the base branch, vendor/ installed): a drop or "
        "rename of a name it never uses is reported, not blocked",
    )
    p.add_argument(
        "--github-annotations",
        action="store_true",
        help="also print each finding as a GitHub Actions annotation at its file:line",
    )
    p.add_argument(
        "--gitlab-report",
        metavar="FILE",
        help="also write a GitLab Code Quality report (the codequality artifact) to FILE",
    )
    p.add_argument("--dialect", choices=("mysql", "pgsql", "sqlite"), default="mysql")
    p.add_argument(
        "--policy",
        choices=("block", "warn"),
        default=None,
        help="override the policy (default: the inventory's, or block offline)",
    )
    p.add_argument("--json", action="store_true")


def run(args, env) -> Document:
    if args.sql or args.app:
        from ..gate import local
        from ..gate.offline import read_sql
        from ..migrations.policy import MigrationPolicy

        if args.app:
            pending = local.from_app(Path(args.app), args.database_url)
        else:
            pending = read_sql(args.sql, args.dialect)
        if args.schema:
            pending = local.with_schema(pending, Path(args.schema))
        if args.running:
            pending = local.with_running(pending, Path(args.running))
        report = gate.evaluate(pending, MigrationPolicy(args.policy or "block"))
        heading = (
            f"{len(pending.migrations)} pending migration(s) in {args.app} ({pending.dialect})"
            if args.app
            else ""
        )
        return answer(report, heading, pending, args)
    if not args.stage:
        raise UsageError("check-migrations needs a stage, or --sql FILE for an offline check")
    return against_stage(args)


def against_stage(args) -> Document:
    from ..gate.gather import from_release
    from ..steps import REGISTRY

    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    host = stage.migration_host
    only = dataclasses.replace(
        inv, stages={**inv.stages, stage.name: dataclasses.replace(stage, hosts=(host,))}
    )
    with common.open_stage(
        only, stage.name, ref=args.ref or inv.application.branch, deployer=common.deployer()
    ) as ctx:
        try:
            ctx.transport.connect(host)
            REGISTRY["pull"](ctx, {})
            REGISTRY["install"](ctx, {})
            pending = from_release(ctx, host, ctx.release_dir)
        finally:
            REGISTRY["discard"](ctx, {})
    settings = inv.application.migrations
    # policy: off switches the gate off in a ship; asked for explicitly, it still reports
    mode = args.policy or ("block" if settings.policy == "off" else None)
    report = gate.evaluate(pending, gate.policy_for(settings, mode))
    n = len(pending.migrations)
    heading = f"{n} pending migration(s) on {host.name} for {ctx.ref} ({pending.dialect})"
    return answer(report, heading)


def answer(report, heading: str, pending=None, args=None) -> Document:
    code = ExitCode.MIGRATION_BLOCKED if report.blocked else ExitCode.OK
    annotations = ""
    if pending is not None and args is not None:
        from ..migrations.ci_report import github_annotations, gitlab_code_quality

        if args.github_annotations:
            annotations = github_annotations(report, pending.migrations)
        if args.gitlab_report:
            try:
                Path(args.gitlab_report).write_text(gitlab_code_quality(report, pending.migrations))
            except OSError as exc:
                raise UsageError(f"--gitlab-report {args.gitlab_report}: {exc.strerror}") from None
    return Document("gate", GateResult(report, heading, annotations), int(code))
