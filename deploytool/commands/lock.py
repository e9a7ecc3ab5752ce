"""`deploytool lock status|release <stage> [--force]`: see or clear the stage's deploy lock.

Releasing a live lock held by someone else needs --force, warns, and is written to the audit
log on every host: an operator must be able to unblock a team, visibly. Releasing an expired lock
puts right what its dead holder left (recover.py: its leftover commands stopped, its half-built
release removed), as a ship taking the lock over would: once the record is gone, nobody could.
A forced release of a live lease touches neither: that deploy may still be working."""

from __future__ import annotations

from .. import audit
from ..errors import LockHeld
from ..lock import DeployLock, describe
from ..recover import recover
from ..ui.document import Document
from . import common


def add(sub) -> None:
    p = sub.add_parser("lock", help="show or release a stage's deploy lock")
    p.add_argument("action", choices=("status", "release"))
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument(
        "--force", action="store_true", help="release a lock whose holder is still alive"
    )


def answer(stage: str, message: str, state: str, owner: dict | None = None) -> Document:
    return Document("lock", {"stage": stage, "state": state, "owner": owner, "message": message})


def run(args, env) -> Document:
    inv = common.load(args.inventory)
    with common.open_stage(inv, args.stage, deployer=common.deployer()) as ctx:
        name, host = ctx.stage.name, ctx.stage.migration_host
        lock = DeployLock(ctx.transport, host, ctx.path(".deploytool"), name)
        ctx.transport.connect(host)
        st = lock.status()
        if st.status == "FREE":
            tail = "" if args.action == "status" else "; nothing to release"
            return answer(name, f"stage {name}: unlocked{tail}", "free")
        if args.action == "status":
            state = "live" if st.seconds_left > 0 else f"expired {-st.seconds_left}s ago"
            return answer(
                name,
                f"stage {name}: locked by {describe(st.owner)} (lease {state})",
                "held" if st.seconds_left > 0 else "expired",
                st.owner,
            )
        if st.seconds_left > 0 and not args.force:
            raise LockHeld(
                f"stage {name} is locked by {describe(st.owner)} and its lease is live "
                f"({st.seconds_left}s left)",
                "if that deploy is truly gone, add --force (audited)",
            )
        expired = st.seconds_left <= 0
        forced = lock.force()
        details: dict = {"previous_owner": forced.owner}
        said = ""
        if expired and forced.owner:
            done = recover(ctx, forced.owner, step="lock release")
            details |= {"stopped": done.stopped, "removed": done.removed}
            said = f"; after that deploy: {done.sentence(forced.owner)}"
        elif forced.owner:
            said = "; its lease was live, so its commands and release were left alone"
        audit.record_event(
            ctx,
            "lock-release-forced" if args.force else "lock-release-expired",
            details,
            hosts=ctx.stage.hosts,
        )
        return answer(
            name,
            f"stage {name}: released the lock held by {describe(forced.owner)}{said}",
            "released",
            forced.owner,
        )
