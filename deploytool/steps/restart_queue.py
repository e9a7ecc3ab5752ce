"""restart-queue: the soft restart. `php artisan queue:restart` (or horizon:terminate) asks every
worker to exit after its current job; supervisord then starts it again on the new code. With a
shared cache one call reaches every host, so it runs once (scope: every runs it on each host:
horizon:terminate only signals the masters of the host it runs on). The drain step then checks
that it reached each host. In `signal` restart mode nothing is sent here: the drain restarts the
hosts itself, in rolling batches (docs/drain.md)."""

from __future__ import annotations

from collections.abc import Mapping

from ..shell import Cmd


def run(ctx, options: Mapping[str, object]) -> str:
    policy = ctx.inventory.drain_policy(ctx.stage)
    if policy.restart_mode == "signal":
        why = (
            " (--limit: a queue:restart would reach the workers outside it too)"
            if ctx.stage.outside and ctx.playbook.restart_scope == "once"
            else ""
        )
        return (
            f"signal mode{why}: nothing sent; the drain sends SIGTERM host by host "
            f"(batch {policy.batch})"
        )
    command = tuple(options.get("command") or ("queue:restart",))
    hosts = ctx.live_hosts if options.get("scope") == "every" else (ctx.stage.migration_host,)
    argv = (ctx.app.php, "artisan", *command)
    ctx.state.restart_sent_at = ctx.clock.time()
    ctx.each(
        "restart-queue",
        lambda h: ctx.run(
            h,
            Cmd(argv, cwd=ctx.path("current"), env=ctx.app.env),
            "restart-queue",
            what=" ".join(command),
        ),
        hosts=hosts,
    )
    return " ".join(command) + " on " + ", ".join(h.name for h in hosts)
