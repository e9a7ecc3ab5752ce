"""cache: rebuild Laravel's caches inside the new release (before the switch, so the first
request and the first new worker already find them)."""

from __future__ import annotations

from collections.abc import Mapping

from ..shell import Chain, Cmd

DEFAULT = ("config:cache", "route:cache", "event:cache", "view:cache")


def run(ctx, options: Mapping[str, object]) -> str:
    commands = tuple(options.get("commands") or DEFAULT)
    chain = Chain(
        tuple(
            Cmd((ctx.app.php, "artisan", c), cwd=ctx.release_dir, env=ctx.app.env) for c in commands
        )
    )
    ctx.each("cache", lambda h: ctx.run(h, chain, "cache", what="artisan " + "/".join(commands)))
    return ", ".join(commands)
