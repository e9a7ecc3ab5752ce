"""pull: update the cached git mirror on each host, resolve the ref, build releases/<id>.

The mirror (<deploy_path>/.deploytool/repo.git) makes a re-deploy fetch only new objects. Every
host must resolve the ref to the same commit; the release id is the ship's UTC start time plus
that commit. Shared files and directories are linked in from <deploy_path>/shared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ..errors import DeployError
from ..events import ReleaseResolved
from ..mirror import MIRROR_FETCH
from ..release_id import unique_release_id
from ..shared_links import LINK_SHARED, specs
from ..shell import script

# $1 mirror, $2 repository, $3 ref, $4 deploy path. Prints the commit, then the existing releases.
FETCH = (
    r"""
set -e
mkdir -p "$4/releases" "$4/shared" "$4/.deploytool"
if [ -d "$1" ]; then
  git --git-dir="$1" remote set-url origin "$2"
  """
    + MIRROR_FETCH
    + r"""
else
  git clone --quiet --mirror "$2" "$1"
fi
git --git-dir="$1" rev-parse --verify --quiet "$3^{commit}" \
  || { echo "ref not found in the repository: $3" >&2; exit 3; }
ls -1 "$4/releases"
"""
)

# $1 release dir, $2 commit, $3 metadata JSON, $4 deploy path, then d:path / f:path shared specs.
BUILD = (
    r"""
set -e
R=$1; sha=$2; meta=$3; D=$4; shift 4
mkdir "$R"
git --git-dir="$D/.deploytool/repo.git" archive --format=tar -o "$R/.deploytool-src.tar" "$sha"
tar -x -f "$R/.deploytool-src.tar" -C "$R"
rm -f "$R/.deploytool-src.tar"
printf '%s\n' "$sha" > "$R/REVISION"
printf '%s\n' "$meta" > "$R/.deploytool-release.json"
"""
    + LINK_SHARED
)


def run(ctx, options: Mapping[str, object]) -> str:
    app = ctx.app
    mirror = ctx.path(".deploytool", "repo.git")

    existing: set[str] = set()

    def fetch(h):
        r = ctx.run(
            h,
            script(FETCH, mirror, app.repository, ctx.ref, app.deploy_path),
            "pull",
            what=f"fetching {ctx.ref!r}",
        )
        lines = r.stdout.strip().splitlines()
        existing.update(lines[1:])
        return lines[0] if lines else ""

    commits = ctx.each("pull", fetch)
    distinct = sorted(set(commits.values()))
    if len(distinct) != 1 or not distinct[0]:
        seen = ", ".join(f"{h}={c[:7] or '?'}" for h, c in sorted(commits.items()))
        raise DeployError(
            f"pull: hosts resolved {ctx.ref!r} to different commits ({seen})",
            "make every host clone the same repository URL",
        )
    ctx.state.commit = distinct[0]
    ctx.state.release = unique_release_id(ctx.started, ctx.state.commit, existing)
    ctx.bus.emit(ReleaseResolved(ctx.state.release, ctx.state.commit))
    meta = release_meta(ctx)
    shared = specs(app)
    ctx.state.built = True  # from here on a failure leaves a (partial) release to discard
    ctx.each(
        "pull",
        lambda h: ctx.run(
            h,
            script(BUILD, ctx.release_dir, ctx.state.commit, meta, app.deploy_path, *shared),
            "pull",
            what="building the release",
        ),
    )
    return f"{ctx.state.release} ({ctx.ref} = {ctx.state.commit[:12]})"


def release_meta(ctx, **extra) -> str:
    """The release's .deploytool-release.json (what `releases` shows): id, commit, ref, stage,
    who and when, plus what the builder adds (extract: the artifact's summary)."""
    return json.dumps(
        {
            "release": ctx.state.release,
            "commit": ctx.state.commit,
            "ref": ctx.ref,
            "stage": ctx.stage.name,
            "deployed_by": ctx.deployer,
            "deployed_at": ctx.started.isoformat(timespec="seconds"),
            **extra,
        },
        sort_keys=True,
    )
