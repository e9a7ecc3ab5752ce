"""The releases on a host, where `current` points, and which releases live processes run from.

Used by cleanup (never delete a release in use) and by `deploytool releases`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..shell import Cmd, script

SEP = "\x1f"

# $1: deploy path. Lists releases with their metadata file, then the cwd of every process this
# user can see (a release is "in use" while any live process runs from it, not only workers).
_SCRIPT = r"""
S=$(printf '\037')
cd "$1" 2>/dev/null || exit 0
printf 'C%s%s\n' "$S" "$(readlink current 2>/dev/null)"
for r in releases/*/; do
  [ -d "$r" ] || continue
  r=${r%/}; meta=
  [ -f "$r/.deploytool-release.json" ] && read -r meta < "$r/.deploytool-release.json"
  printf 'R%s%s%s%s\n' "$S" "${r#releases/}" "$S" "$meta"
done
for d in /proc/[0-9]*; do
  [ "${d#/proc/}" = "$$" ] && continue   # this loop's own shell: its cwd is wherever it last cd'd
  if cd -P "$d/cwd" 2>/dev/null; then printf 'U%s%s%s%s\n' "$S" "${d#/proc/}" "$S" "$PWD"; fi
done
"""


def releases_command(deploy_path: str) -> Cmd:
    return script(_SCRIPT, deploy_path, name="deploytool-releases")


@dataclass(frozen=True)
class ReleaseInfo:
    id: str
    meta: dict
    in_use_by: tuple[int, ...]


@dataclass(frozen=True)
class Releases:
    current: str
    releases: tuple[ReleaseInfo, ...]  # oldest first (ids sort by their UTC timestamp)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.releases)

    @property
    def in_use(self) -> frozenset[str]:
        return frozenset(r.id for r in self.releases if r.in_use_by)


def parse_releases(text: str, deploy_path: str) -> Releases:
    current = ""
    found: dict[str, dict] = {}
    users: dict[str, list[int]] = {}
    prefix = deploy_path.rstrip("/") + "/releases/"
    for line in text.splitlines():
        parts = line.split(SEP)
        if parts[0] == "C" and len(parts) > 1:
            current = parts[1].rstrip("/").rsplit("/", 1)[-1] if parts[1] else ""
        elif parts[0] == "R" and len(parts) > 2:
            try:
                meta = json.loads(parts[2]) if parts[2] else {}
            except ValueError:
                meta = {}
            found[parts[1]] = meta if isinstance(meta, dict) else {}
        elif parts[0] == "U" and len(parts) > 2 and parts[2].startswith(prefix):
            rid = parts[2][len(prefix) :].split("/", 1)[0]
            users.setdefault(rid, []).append(int(parts[1]))
    infos = tuple(ReleaseInfo(rid, found[rid], tuple(users.get(rid, ()))) for rid in sorted(found))
    return Releases(current, infos)


def select_for_deletion(
    rel: Releases, keep: int, protect: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """Releases cleanup removes: all but the newest `keep`, never `current`, never one a live
    process runs from, never one in `protect` (the release just shipped)."""
    keep_ids = set(rel.ids[-keep:]) if keep > 0 else set()
    spared = keep_ids | {rel.current} | set(rel.in_use) | set(protect)
    return tuple(r for r in rel.ids if r not in spared)
