"""extract: the verified artifact unpacked into releases/<id> on every host, the upload removed,
REVISION and the release metadata written and the shared files and dirs linked in, as pull
does (shared_links.py): from here on the release is the same as a git-built one."""

from __future__ import annotations

from collections.abc import Mapping

from ..shared_links import LINK_SHARED, specs
from ..shell import script
from .pull import release_meta
from .upload import uploaded_path

# $1 release dir, $2 the uploaded artifact, $3 commit, $4 metadata JSON, $5 deploy path, then
# the shared specs.
EXTRACT = (
    r"""
set -e
R=$1; A=$2; sha=$3; meta=$4; D=$5; shift 5
tar -xOf "$A" release.tar.gz | tar -xzf - -C "$R"
rm -f "$A"
printf '%s\n' "$sha" > "$R/REVISION"
printf '%s\n' "$meta" > "$R/.deploytool-release.json"
"""
    + LINK_SHARED
)


def run(ctx, options: Mapping[str, object]) -> str:
    art = ctx.state.artifact
    meta = release_meta(ctx, artifact=art.manifest.summary())
    args = (ctx.release_dir, uploaded_path(ctx), ctx.state.commit, meta, ctx.app.deploy_path)
    ctx.each(
        "extract",
        lambda h: ctx.run(
            h, script(EXTRACT, *args, *specs(ctx.app)), "extract", what="extracting the release"
        ),
    )
    return f"{ctx.state.release} ({art.manifest.ref} = {art.manifest.short})"
