"""build: the artifact this ship deploys (strategy: artifact), made once on this machine.

`git archive` of the ref from the local mirror, the install command and the build steps in it,
packed with its manifest (artifact/build.py); kept under the cache directory so it can be
promoted later with `ship --artifact FILE`. With `ship --artifact FILE` nothing is built: the
file is read, its app and checksum checked here, before any host is touched.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..artifact.build import build, build_steps
from ..artifact.envelope import open_artifact, verify_local
from ..config.durations import format_duration
from ..config.strategy import install_command
from ..errors import ArtifactError
from ..transport.local import HOST as LOCAL_HOST


def run(ctx, options: Mapping[str, object]) -> str:
    if ctx.artifact:
        art = open_artifact(ctx.artifact)
        m = art.manifest
        if m.app != ctx.app.name:
            raise ArtifactError(
                f"{art.path}: built for the app {m.app!r}; this inventory deploys {ctx.app.name!r}",
                "ship it with the inventory it was built from",
            )
        verify_local(art)
        ctx.state.artifact = art
        return f"prebuilt {art.name}: {m.ref} = {m.short}, built by {m.built_by} at {m.built_at}"

    def run_here(command, what: str):
        return ctx.run(LOCAL_HOST, command, "build", what=what, via=ctx.local)

    def one(_host):
        return build(
            ctx.app,
            ctx.ref,
            None,
            who=ctx.deployer,
            install=install_command(ctx.playbook, ctx.app),
            run=run_here,
            steps=build_steps(ctx.playbook, ctx.app, ctx.stage.name),
        )

    built = ctx.each("build", one, hosts=(LOCAL_HOST,))[LOCAL_HOST.name]
    ctx.state.artifact = built.artifact
    m = built.artifact.manifest
    return (
        f"{ctx.ref} = {m.short}, {size(built.artifact.size)} in "
        f"{format_duration(built.seconds)}: {built.artifact.path}"
    )


def size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
