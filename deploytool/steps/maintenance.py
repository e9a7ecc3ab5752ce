"""maintenance-down / maintenance-up: Laravel's maintenance mode around the changes the code still
running cannot survive (`application.maintenance`; config/strategy.py places the steps).

down, before `migrate`: with `auto`, only when the gate's verdict has such changes that the policy
let through (`Report.needs_downtime`: breaks-old-code findings under `warn`); with `always`, on
every ship. `php artisan down --secret=...` on every host (storage/ is shared per host, so the old
release is down too, and its queue workers pause). The secret is generated here, reaches PHP over
the secrets envelope (never argv or environ: envelope.py), is added to the run's redaction
(ctx.secrets: events, logs, audit, errors) and is shown once, in a Maintenance event only the
views print.

up, after the drain: `php artisan up` on every host. In `on_failure` it lifts the app only when
nothing was migrated or switched yet; after a failed (or finished) migrate the app stays down, and
the output says so with the command that lifts it (`deploytool maintenance up STAGE`).
"""

from __future__ import annotations

import secrets as random
import threading
from collections.abc import Mapping

from ..envelope import PHP_PROLOGUE
from ..events import Maintenance
from ..events import Warning as WarningEvent
from ..redaction import Secret
from ..shell import Cmd

VAR = "DEPLOYTOOL_MAINTENANCE_BYPASS"
# $1 the current release: `down` or `up` (`deploytool maintenance`, and a run recovering a dead one)
STATE = '[ -e "$1/storage/framework/down" ] && echo down || echo up'
# php -r in the release: the app's own console kernel runs `down`, so the secret is an argument
# of a PHP call, not of a process. A host already down keeps its own secret: said, not replaced.
DOWN = (
    PHP_PROLOGUE
    + r"""
$secret = (string) ($_SERVER['DEPLOYTOOL_MAINTENANCE_BYPASS'] ?? '');
if ($secret === '') { fwrite(STDERR, "the bypass secret did not reach PHP\n"); exit(3); }
require getcwd() . '/vendor/autoload.php';
$app = require getcwd() . '/bootstrap/app.php';
$kernel = $app->make(Illuminate\Contracts\Console\Kernel::class);
if (is_file($app->storagePath() . '/framework/down')) { echo "already-down\n"; exit(0); }
$status = $kernel->call('down', ['--secret' => $secret]);
echo $kernel->output();
exit($status);
"""
)


def down(ctx, options: Mapping[str, object]) -> str:
    reason = why_down(ctx)
    if not reason:
        return "not needed: the gate let through no change the old code cannot survive"
    secret = random.token_urlsafe(18)
    ctx.state.secrets.append(secret)  # from here on every output path redacts it
    command = Cmd(
        ("php", "-r", DOWN), cwd=ctx.release_dir, env={**ctx.app.env, VAR: Secret(secret)}
    )
    went: list[str] = []
    lock = threading.Lock()

    def one(h) -> str:
        out = ctx.run(h, command, "maintenance-down", what="php artisan down").stdout
        with lock:
            went.append(h.name)
        return out

    try:
        outs = ctx.each("maintenance-down", one)
    finally:
        ctx.state.down = tuple(sorted(went))  # what a failure must lift (or hold)
    already = tuple(h for h, out in sorted(outs.items()) if "already-down" in out)
    fresh = tuple(h for h in sorted(outs) if h not in already)
    if fresh:
        ctx.bus.emit(Maintenance("down", fresh, reason, bypass=secret))
    if already:
        note = "already down before this ship: the bypass secret it was given still applies"
        ctx.bus.emit(Maintenance("already-down", already, note))
    return f"down on {', '.join(ctx.state.down)}: {reason}"


def why_down(ctx) -> str:
    if ctx.app.maintenance == "always":
        return "application.maintenance: always"
    if ctx.app.maintenance != "auto" or ctx.state.gate is None:
        return ""
    found = ctx.state.gate.needs_downtime
    if not found:
        return ""
    what = ", ".join(sorted({f"{f.rule} in {f.migration}" for f in found}))
    return (
        f"the gate let through {len(found)} change(s) the old code cannot survive "
        f"(policy warn): {what}"
    )


def up(ctx, options: Mapping[str, object]) -> str:
    hosts = [h for h in ctx.live_hosts if h.name in ctx.state.down]
    if ctx.state.failed_step and hosts and (migrated_or_switched(ctx) or ctx.state.down_inherited):
        return hold(ctx)
    if not ctx.state.down:
        return "not down"
    where = ctx.release_dir if ctx.state.built and ctx.state.release else ctx.path("current")
    command = Cmd((ctx.app.php, "artisan", "up"), cwd=where, env=ctx.app.env)
    ctx.each(
        "maintenance-up",
        lambda h: ctx.run(h, command, "maintenance-up", what="php artisan up"),
        hosts=hosts,
    )
    lifted = tuple(h.name for h in hosts)
    ctx.state.down = ()
    ctx.bus.emit(
        Maintenance(
            "up",
            lifted,
            "the ship failed before anything was migrated"
            if ctx.state.failed_step
            else "the ship succeeded",
        )
    )
    return f"up on {', '.join(lifted)}"


def migrated_or_switched(ctx) -> bool:
    return ctx.state.switched or any(name == "migrate" for name, _ in ctx.state.step_durations)


def lift_command(ctx) -> str:
    return f"deploytool maintenance up {ctx.stage.name} -i {ctx.inventory.path}"


def hold(ctx) -> str:
    """After a failure past the migrate: never lifted automatically; the output says how."""
    if ctx.state.failed_step == "migrate":
        why = "the migrate failed and may have changed part of the schema"
    elif ctx.state.down_inherited and not migrated_or_switched(ctx):
        why = f"a dead deploy left it down (it may have migrated); {ctx.state.failed_step} failed"
    else:
        why = f"the schema was migrated and {ctx.state.failed_step} failed"
    hosts = ctx.state.down
    ctx.bus.emit(Maintenance("held", hosts, why, lift=lift_command(ctx)))
    ctx.bus.emit(WarningEvent(still_down(ctx)))
    return f"held down on {', '.join(hosts)}: {why}"


def still_down(ctx) -> str:
    """What the output says while a failed ship leaves the app down (also the ship's hint)."""
    why = (
        "a dead deploy left it down and may have migrated: never lifted blindly"
        if ctx.state.down_inherited and not migrated_or_switched(ctx)
        else "never lifted after a failed migrate"
    )
    return (
        f"the app stays in maintenance mode on {', '.join(ctx.state.down)} ({why}); when it is "
        f"safe, lift it with: {lift_command(ctx)} (or "
        f"`{ctx.app.php} artisan up` in {ctx.path('current')} on each host)"
    )
