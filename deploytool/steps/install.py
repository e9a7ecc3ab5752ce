"""install: composer install (or the configured command) inside the new release on every host."""

from __future__ import annotations

from collections.abc import Mapping

from ..shell import Cmd


def run(ctx, options: Mapping[str, object]) -> str:
    argv = tuple(options.get("command") or ctx.app.install_argv)
    ctx.each(
        "install",
        lambda h: ctx.run(
            h,
            Cmd(argv, cwd=ctx.release_dir, env=ctx.app.env),
            "install",
            what=argv[0] + " " + argv[1] if len(argv) > 1 else argv[0],
        ),
    )
    return " ".join(argv)
