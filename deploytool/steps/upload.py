"""upload: the artifact onto every host at once, over the connections already open (SFTP).

The release id comes from the artifact's commit, like pull's from the ref; releases/<id> is made
on every host and the artifact copied into it (`.deploytool-artifact.tar`, removed by extract).
The hosts need no git. Nothing trusts the bytes yet: verify checks them on every host first.
A cancel stops an upload between blocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ..errors import DeployError, Interrupted
from ..events import ReleaseResolved
from ..release_id import unique_release_id
from ..shell import cmd, script
from .build import size

UPLOADED = ".deploytool-artifact.tar"  # inside the release dir, until extract

# $1 deploy path. Prints the existing releases.
PREPARE = r"""
set -e
mkdir -p "$1/releases" "$1/shared" "$1/.deploytool"
ls -1 "$1/releases"
"""


def run(ctx, options: Mapping[str, object]) -> str:
    art = ctx.state.artifact
    if art is None:
        raise DeployError("upload: no artifact to upload", "the playbook needs `build` before it")
    existing: set[str] = set()

    def prepare(h) -> None:
        r = ctx.run(h, script(PREPARE, ctx.app.deploy_path), "upload", what="preparing releases/")
        existing.update(r.stdout.split())

    ctx.each("upload", prepare)
    ctx.state.commit = art.manifest.commit
    # the time of the upload, not of the command's start, like pull's (a ship that waited for
    # the lock sorts after the one it waited for)
    built_at = datetime.fromtimestamp(ctx.clock.time(), UTC)
    ctx.state.release = unique_release_id(built_at, ctx.state.commit, existing)
    # built before the event: the session journals the release in the lock before any byte of it
    # exists on a host (recover.py removes it if this run dies)
    ctx.state.built = True
    ctx.bus.emit(ReleaseResolved(ctx.state.release, ctx.state.commit))
    remote = uploaded_path(ctx)

    def stop_on_cancel(done: int, total: int) -> None:
        if ctx.cancel.tripped:
            raise Interrupted(ctx.cancel.signum, "upload")

    def one(h) -> None:
        ctx.run(h, cmd("mkdir", ctx.release_dir), "upload", what="creating the release dir")
        ctx.transport.upload(
            h,
            str(art.path),
            remote,
            timeout=ctx.app.command_timeout,
            step="upload",
            on_progress=stop_on_cancel,
        )

    ctx.each("upload", one)
    return f"{art.name} ({size(art.size)}) to {len(ctx.live_hosts)} host(s)"


def uploaded_path(ctx) -> str:
    return ctx.release_dir + "/" + UPLOADED
