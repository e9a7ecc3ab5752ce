"""pull: update the cached git mirror on each host, resolve the ref, build releases/<id>.

The mirror (<deploy_path>/.deploytool/repo.git) makes a re-deploy fetch only new objects. Every
host must resolve the ref to the same commit; the release id is the ship's UTC start time plus
that commit. Shared files and directories are linked in from <deploy_path>/shared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from .. import split
from ..errors import DeployError
from ..events import ReleaseResolved
from ..events import Warning as WarningEvent
from ..mirror import MIRROR_FETCH
from ..release_id import unique_release_id
from ..shared_links import LINK_SHARED, specs
from ..shell import script

# $1 mirror, $2 repository, $3 ref, $4 deploy path. Prints the commit, then the existing releases,
# then `current=` and where `current` points (a split fleet is said before anything is built).
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
printf 'current=%s\n' "$(readlink "$4/current" 2>/dev/null || true)"
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
    currents: dict[str, str] = {}

    def fetch(h):
        r = ctx.run(
            h,
            script(FETCH, mirror, app.repository, ctx.ref, app.deploy_path),
            "pull",
            what=f"fetching {ctx.ref!r}",
        )
        lines = r.stdout.strip().splitlines()
        for line in lines[1:]:
            if line.startswith("current="):
                currents[h.name] = line[len("current=") :].rstrip("/").rsplit("/", 1)[-1]
            else:
                existing.add(line)
        return lines[0] if lines else ""

    commits = ctx.each("pull", fetch)
    if split.is_split(currents):
        ctx.bus.emit(
            WarningEvent(
                f"the hosts run different releases ({split.describe(currents)}): a switch that "
                "was interrupted, or a --limit ship; this ship switches every host to its new "
                "release"
            )
        )
    distinct = sorted(set(commits.values()))
    if len(distinct) != 1 or not distinct[0]:
        seen = ", ".join(f"{h}={c[:7] or '?'}" for h, c in sorted(commits.items()))
        raise DeployError(
            f"pull: hosts resolved {ctx.ref!r} to different commits ({seen})",
            "make every host clone the same repository URL",
        )
    ctx.state.commit = distinct[0]
    # the time of the build, not of the command's start: a ship that waited for the lock (two CI
    # runners at once) must sort after the one it waited for, which rollback and cleanup rely on
    built_at = datetime.fromtimestamp(ctx.clock.time(), UTC)
    ctx.state.release = unique_release_id(built_at, ctx.state.commit, existing)
    # built before the event: the session records the release in the lock before any byte of it
    # exists (recover.py removes it if this run dies)
    ctx.state.built = True
    ctx.bus.emit(ReleaseResolved(ctx.state.release, ctx.state.commit))
    meta = release_meta(ctx)
    shared = specs(app)
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
