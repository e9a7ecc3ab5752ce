"""verify: on every host, the uploaded artifact's tarball has the SHA-256 its manifest gives.

Checked before anything is extracted on any host (a barrier), so one host's corrupted upload
fails the ship on that host, with both checksums, while `current` is untouched everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..artifact.envelope import TARBALL
from ..errors import ExitCode, HostError
from ..shell import script
from .upload import uploaded_path

# $1 the uploaded artifact: the SHA-256 of its tarball member (tar's complaint on stderr).
CHECKSUM = r"""tar -xOf "$1" release.tar.gz | sha256sum"""


def run(ctx, options: Mapping[str, object]) -> str:
    expected = ctx.state.artifact.manifest.tarball_sha256
    remote = uploaded_path(ctx)

    def one(h) -> None:
        r = ctx.run(h, script(CHECKSUM, remote), "verify", what="checksumming the upload")
        words = r.stdout.split()
        got = words[0] if words else "(none)"
        if got != expected:
            why = r.stderr.strip()
            raise HostError(
                h.name,
                "verify",
                f"the artifact arrived corrupted: {TARBALL} in {remote} has sha256 {got}, its "
                f"manifest says {expected}"
                + (f" ({why})" if why else "")
                + "; nothing was extracted or switched on any host",
                "ship again (the upload is repeated); if this host fails again, check its disk",
                exit_code=ExitCode.ARTIFACT,
            )

    ctx.each("verify", one)
    return f"sha256 {expected[:16]}… on {len(ctx.live_hosts)} host(s)"
