"""migrate: `php artisan migrate --force`, exactly once, on the migration host, from the new
release, before any host switches (--force: without it Laravel in production asks and cancels)."""

from __future__ import annotations

from collections.abc import Mapping

from ..shell import Cmd


def run(ctx, options: Mapping[str, object]) -> str:
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
