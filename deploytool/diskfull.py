"""A step that failed because a host's disk is full says so, names the host and suggests what to
free: the releases kept there. Asked only after a command failed (one more round trip then, none
otherwise); the answer comes from the filesystem (probes/disk.py) or from the command's own
words, since composer, git and tar each put ENOSPC differently.
"""

from __future__ import annotations

import re

from .errors import DeployError
from .probes.disk import disk_command, parse_disk

NOSPACE = "No space left on device"


def explain(ctx, host, output: str) -> tuple[str, str] | None:
    """(what the failure message adds, the hint) when `host` is out of space where releases are
    built; None when it is not (or cannot tell)."""
    path = ctx.release_dir if ctx.state.release else ctx.path("releases")
    said = NOSPACE.replace(" ", "") in re.sub(r"\s+", "", output)
    disk = None
    try:
        r = ctx.transport.run(host, disk_command(path), timeout=10, step="disk", marked=False)
        disk = parse_disk(r.stdout)
    except DeployError:
        pass
    if not (said or (disk is not None and disk.full)):
        return None
    where = f" ({disk.mount}: {disk.free_kb} KB free)" if disk is not None else ""
    return (
        f"{NOSPACE} on {host.name}{where}",
        f"free space on {host.name}: `deploytool releases {ctx.stage.name}` lists the releases "
        f"kept there (each one is a full copy of the app); cleanup keeps "
        f"application.keep_releases = {ctx.keep_releases} of them",
    )
