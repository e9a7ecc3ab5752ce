"""migrate: `php artisan migrate --force`, exactly once, on the migration host, from the new
release, before any host switches (--force: without it Laravel in production asks and cancels).
`ship --no-migrate` skips it; a --limit that leaves out the migration host refuses to ship
without that flag (the migrations would silently not run)."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import UsageError
from ..shell import Cmd


def refuse_outside_limit(ctx) -> None:
    """The polite refusal: migrations run only from the migration host, which --limit left out.
    ship calls it before connecting; the step calls it again (a playbook run some other way)."""
    if ctx.no_migrate or ctx.stage.migration_host_selected:
        return
    mh = ctx.stage.migration_host.name
    raise UsageError(
        f"--limit leaves out {mh}, the migration host: migrations run from there only, so this "
        "ship would deploy code without migrating; nothing was done",
        f"add {mh} to --limit, or pass --no-migrate when the new code needs no migration "
        f"(then migrate later with a ship that includes {mh})",
    )


def run(ctx, options: Mapping[str, object]) -> str:
    if ctx.no_migrate:
        return "skipped (--no-migrate)"
    refuse_outside_limit(ctx)
    host = ctx.stage.migration_host
    argv = (ctx.app.php, "artisan", *tuple(options.get("command") or ("migrate", "--force")))
    ctx.each(
        "migrate",
        lambda h: ctx.run(
            h, Cmd(argv, cwd=ctx.release_dir, env=ctx.app.env), "migrate", what="migrate"
        ),
        hosts=(host,),
    )
    return f"on {host.name}"
