"""restart-queue: the soft restart of every kind of long-running process, each as its `restart:`
says (application.workers; docs/drain.md):
- `queue:restart` asks every queue worker to exit after its current job (supervisord then starts
  it again on the new code). With a shared cache one call reaches every host, so it runs once
  (`scope: every` runs it on each host); the step's `command` replaces it (the single-pattern
  form's playbook option: laravel-horizon sends horizon:terminate this way);
- `horizon:terminate` runs on every host: it only signals the masters of the host it runs on;
- a signal (`TERM`, ...) is sent by the drain to that kind's old processes, and `none` is waited
  for: nothing is sent here for those.
The drain step then checks that the cache restart reached each host. In `signal` restart mode
nothing is sent here: the drain restarts the queue workers itself, in rolling batches."""

from __future__ import annotations

from collections.abc import Mapping

from ..shell import Cmd


def run(ctx, options: Mapping[str, object]) -> str:
    policy = ctx.inventory.drain_policy(ctx.stage)
    kinds = ctx.worker_kinds
    later = "; ".join(
        f"{k.name}: {'waited for' if k.restart == 'none' else f'SIG{k.restart} from the drain'}"
        for k in kinds
        if not k.via_cache
    )
    if policy.restart_mode == "signal":
        why = (
            " (--limit: a queue:restart would reach the workers outside it too)"
            if ctx.stage.outside and ctx.playbook.restart_scope == "once"
            else ""
        )
        return (
            f"signal mode{why}: nothing sent; the drain sends SIGTERM host by host "
            f"(batch {policy.batch})" + (f"; {later}" if later else "")
        )
    every = options.get("scope") == "every"
    sends: list[tuple[tuple[str, ...], tuple]] = []
    for restart in dict.fromkeys(k.restart for k in kinds if k.via_cache):
        if restart == "queue:restart" or not ctx.app.workers_listed:
            command = tuple(options.get("command") or ("queue:restart",))
            hosts = ctx.live_hosts if every else (ctx.stage.migration_host,)
        else:  # horizon:terminate only reaches the masters of the host it runs on
            command, hosts = ("horizon:terminate",), ctx.live_hosts
        sends.append((command, hosts))
    ctx.state.restart_sent_at = ctx.clock.time()
    for command, hosts in sends:
        argv = (ctx.app.php, "artisan", *command)
        ctx.each(
            "restart-queue",
            lambda h, argv=argv, command=command: ctx.run(
                h,
                Cmd(argv, cwd=ctx.path("current"), env=ctx.app.env),
                "restart-queue",
                what=" ".join(command),
            ),
            hosts=hosts,
        )
    said = [" ".join(c) + " on " + ", ".join(h.name for h in hosts) for c, hosts in sends]
    return "; ".join(said + ([later] if later else [])) or "nothing to restart"
