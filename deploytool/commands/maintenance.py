"""`deploytool maintenance status|up STAGE`: is the app in Laravel's maintenance mode on each host,
and lift it (`php artisan up` in `current`), the command a failed ship names when it leaves the
app down (steps/maintenance.py). A lift is written to the audit log on every host."""

from __future__ import annotations

from .. import audit
from ..errors import DeployError, ExitCode
from ..shell import Cmd, script
from ..steps.maintenance import STATE
from ..ui.document import Document
from . import common


def add(sub) -> None:
    p = sub.add_parser("maintenance", help="show or lift the app's maintenance mode on a stage")
    p.add_argument("action", choices=("status", "up"))
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def run(args, env) -> Document:
    inv = common.load(args.inventory)
    with common.open_stage(inv, args.stage, deployer=common.deployer()) as ctx:
        current = ctx.path("current")
        ctx.each("connect", ctx.transport.connect)

        def state(h) -> str:
            return ctx.run(h, script(STATE, current), "maintenance", what="reading").stdout.strip()

        before = ctx.each("maintenance", state)
        lifted: list[str] = []
        if args.action == "up":
            down = [h for h in ctx.live_hosts if before[h.name] == "down"]
            up = Cmd((ctx.app.php, "artisan", "up"), cwd=current, env=ctx.app.env)
            ctx.each(
                "maintenance", lambda h: ctx.run(h, up, "maintenance", what="artisan up"), down
            )
            lifted = [h.name for h in down]
            if lifted:
                audit.record_event(ctx, "maintenance-up", {"hosts": lifted})
        hosts = {h: ("up" if h in lifted else s) for h, s in sorted(before.items())}
        still = sorted(h for h, s in hosts.items() if s == "down")
        if args.action == "up" and still:
            raise DeployError(f"still down on {', '.join(still)}", exit_code=ExitCode.FAILED)
        return Document(
            "maintenance",
            {"stage": ctx.stage.name, "action": args.action, "hosts": hosts, "lifted": lifted},
        )
