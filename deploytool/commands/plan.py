"""`deploytool plan <stage>` (and `ship --dry-run`): what a ship would do, read-only.

Per host: the current release and its commit, the commit the ref names now (`git ls-remote`,
see probes/git_ref), the workers running now (the census), and the releases cleanup would delete
after the ship. On the migration host: the pending migrations of the target commit with the
gate's verdict, pretended in memory from the current release (gate/gather.from_mirror). Nothing
is written anywhere; `--fetch` is the one opt-in exception: it updates each host's cached git
mirror (<deploy_path>/.deploytool/repo.git, which the next ship fetches into anyway) so a commit
pushed since the last ship can be shown.

Exit: 0; MIGRATION_BLOCKED (6) when the gate would stop the ship; UNREACHABLE (4) when a host
cannot be reached; FAILED (1) when the ref cannot be resolved or the hosts disagree about it.
"""

from __future__ import annotations

from .. import gate
from ..drain.census import census_of
from ..drain.decide import verdict
from ..errors import ConfigError, DeployError, ExitCode
from ..gate.gather import from_mirror
from ..mirror import MIRROR_FETCH
from ..probes.git_ref import parse_ref, ref_command
from ..probes.releases import (
    ReleaseInfo,
    Releases,
    parse_releases,
    releases_command,
    select_for_deletion,
)
from ..shell import script
from ..ui.document import Document
from . import common

STEP = "plan"
NEW = "(new release)"
# $1 mirror: fetch what the ship's pull would, only if the mirror exists.
FETCH = '[ -d "$1" ] || exit 0\n' + MIRROR_FETCH + "\n"


def add(sub) -> None:
    p = sub.add_parser("plan", help="show what a ship would do on each host, changing nothing")
    common.add_inventory(p)
    common.add_limit(p)
    p.add_argument("stage")
    add_plan_args(p)


def add_plan_args(p) -> None:
    p.add_argument("--ref", help="branch, tag or commit (default: application.branch)")
    p.add_argument(
        "--fetch",
        action="store_true",
        help="update each host's cached git mirror first (the only write: a cache the ship "
        "fetches into)",
    )
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def cleanup_preview(rel: Releases, keep: int, worker_pids: set[int]) -> dict:
    """The releases cleanup would remove once the ship is done: a new release joins the list and
    becomes current, and the workers running now will have moved to it (the drain waits for that),
    so only other processes keep an old release alive."""
    infos = tuple(
        ReleaseInfo(r.id, r.meta, tuple(p for p in r.in_use_by if p not in worker_pids))
        for r in rel.releases
    )
    after = Releases(NEW, infos + (ReleaseInfo(NEW, {}, ()),))
    doomed = select_for_deletion(after, keep, frozenset({NEW}))
    spared = sorted(
        r.id for r in infos if r.in_use_by and r.id not in doomed and r.id not in after.ids[-keep:]
    )
    return {"keep": keep, "delete": list(doomed), "kept_in_use": spared}


def workers_doc(census) -> list[dict]:
    """The workers running now; `current` by the drain's own definition of old (drain/decide.py),
    judged against this host's `current` release."""
    old, new = verdict(census)
    return [
        {
            "pid": w.pid,
            "release": w.release,
            "current": w in new,
            "state": w.state,
            "age": round(w.age, 1),
        }
        for w in census.workers
        if w in old or w in new
    ]


def host_plan(ctx, host, fetch: bool) -> dict:
    app, mirror = ctx.app, ctx.path(".deploytool", "repo.git")
    out = {"host": host.name, "migrate": host.migrate, "error": ""}
    try:
        ctx.transport.connect(host)
        if fetch:
            ctx.run(
                host,
                script(FETCH, mirror, name="deploytool-fetch"),
                STEP,
                what="fetching into the mirror",
            )
        rel = parse_releases(
            ctx.run(host, releases_command(app.deploy_path), STEP).stdout, app.deploy_path
        )
        census = census_of(ctx, host, STEP)
        target = parse_ref(
            ctx.run(
                host, ref_command(app.repository, ctx.ref, mirror), STEP, timeout=60, check=False
            ).stdout,
            ctx.ref,
        )
    except DeployError as e:
        out["error"] = e.message
        return out
    meta = next((r.meta for r in rel.releases if r.id == rel.current), {})
    out["current"] = (
        {
            "release": rel.current,
            "commit": meta.get("commit", ""),
            "ref": meta.get("ref", ""),
            "deployed_by": meta.get("deployed_by", ""),
            "deployed_at": meta.get("deployed_at", ""),
        }
        if rel.current
        else None
    )
    out["target"] = {"commit": target.commit, "source": target.source, "error": target.error}
    out["workers"] = workers_doc(census)
    out["cleanup"] = cleanup_preview(rel, ctx.keep_releases, {w.pid for w in census.workers})
    return out


def migrations_plan(ctx, host: dict | None, commit: str) -> dict:
    """Pending migrations of `commit` and the gate's verdict, pretended on the migration host."""
    settings = ctx.app.migrations
    if host is None:  # --limit left it out
        return {
            "host": ctx.stage.migration_host.name,
            "policy": settings.policy,
            "known": False,
            "why": f"the migration host {ctx.stage.migration_host.name} is outside --limit: a "
            "ship with this --limit refuses to migrate unless given --no-migrate",
            "pending": [],
            "gate": None,
        }
    out = {
        "host": host["host"],
        "policy": settings.policy,
        "known": False,
        "why": "",
        "pending": [],
        "gate": None,
    }
    if host.get("error") or not commit:
        out["why"] = "the target commit is not known" if not host.get("error") else host["error"]
        return out
    if not host.get("current"):
        out["why"] = (
            "no current release to ask: every migration of the target is pending (first ship)"
        )
        return out
    if settings.sql_dir:
        out["why"] = (
            f"raw .sql migrations ({settings.sql_dir}): plan previews Laravel migrations "
            "only; `deploytool check-migrations STAGE` builds the release and gives the "
            "gate's verdict"
        )
        return out
    h = next(x for x in ctx.hosts if x.name == host["host"])
    try:
        pending = from_mirror(ctx, h, commit, STEP)
    except ConfigError as e:  # dialect auto on a driver the gate does not read
        out["why"] = e.problems[0]
        return out
    if isinstance(pending, str):
        out["why"] = pending
        return out
    out.update(known=True, pending=[m.name for m in pending.migrations])
    if pending.migrations and settings.policy != "off":
        out["gate"] = gate.evaluate(pending, gate.policy_for(settings)).to_dict()
    return out


def plan(ctx, fetch: bool = False) -> dict:
    per_host = ctx.fanout.map(lambda h: host_plan(ctx, h, fetch), ctx.hosts)
    commits = {h["target"]["commit"] for h in per_host if h.get("target") and h["target"]["commit"]}
    commit = next(iter(commits)) if len(commits) == 1 else ""
    mig_host = next((h for h in per_host if h["migrate"]), None)
    return {
        "version": 1,
        "stage": ctx.stage.name,
        "ref": ctx.ref,
        "fetched": fetch,
        "target": {"commit": commit, "agreed": len(commits) <= 1, "seen": sorted(commits)},
        "hosts": per_host,
        "migrations": migrations_plan(ctx, mig_host, commit),
    }


def exit_code(p: dict) -> int:
    if any(h["error"] for h in p["hosts"]):
        return int(ExitCode.UNREACHABLE)
    if not p["target"]["commit"]:
        return int(ExitCode.FAILED)
    gate_doc = p["migrations"]["gate"]
    if gate_doc and gate_doc["blocked"] and p["migrations"]["policy"] == "block":
        return int(ExitCode.MIGRATION_BLOCKED)
    return int(ExitCode.OK)


def run(args, env) -> Document:
    inv = common.load(args.inventory)
    with common.open_stage(
        inv, args.stage, ref=args.ref or inv.application.branch, limit=args.limit
    ) as ctx:
        p = plan(ctx, fetch=args.fetch)
    return Document("plan", p, exit_code(p))
