"""`deploytool lock status|release <stage> [--force]`: see or clear the stage's deploy lock.

Releasing a live lock held by someone else needs --force, warns, and is written to the audit
log on every host: an operator must be able to unblock a team, visibly."""

from __future__ import annotations

from .. import audit
from ..errors import DeployError, ExitCode, LockHeld
from ..events import Bus
from ..lock import DeployLock, describe
from ..pipeline import Context
from ..transport import open_transport
from . import common


def add(sub) -> None:
    p = sub.add_parser("lock", help="show or release a stage's deploy lock")
    p.add_argument("action", choices=("status", "release"))
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument(
        "--force", action="store_true", help="release a lock whose holder is still alive"
    )


def run(args) -> int:
    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    transport = open_transport(stage.ssh)
    ctx = Context(
        inventory=inv,
        stage=stage,
        playbook=None,
        transport=transport,
        bus=Bus(),
        ref="",
        deployer=common.deployer(),
    )
    lock = DeployLock(transport, stage.migration_host, ctx.path(".deploytool"), stage.name)
    try:
        transport.connect(stage.migration_host)
        st = lock.status()
        if args.action == "status":
            if st.status == "FREE":
                print(f"stage {stage.name}: unlocked")
            else:
                state = "live" if st.seconds_left > 0 else f"expired {-st.seconds_left}s ago"
                print(f"stage {stage.name}: locked by {describe(st.owner)} (lease {state})")
            return 0
        if st.status == "FREE":
            print(f"stage {stage.name}: unlocked; nothing to release")
            return 0
        if st.seconds_left > 0 and not args.force:
            raise LockHeld(
                f"stage {stage.name} is locked by {describe(st.owner)} and its lease is live "
                f"({st.seconds_left}s left)",
                "if that deploy is truly gone, add --force (audited)",
            )
        forced = lock.force()
        audit.record_event(
            ctx,
            "lock-release-forced" if args.force else "lock-release-expired",
            {"previous_owner": forced.owner},
            hosts=stage.hosts,
        )
        print(f"stage {stage.name}: released the lock held by {describe(forced.owner)}")
        return 0
    except DeployError:
        raise
    finally:
        transport.close()
    return int(ExitCode.OK)
