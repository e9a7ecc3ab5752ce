"""Which commit a ref names, without changing anything on the host.

`pull` fetches into the cached mirror and then resolves the ref there. A plan must not write, so
it asks the repository instead: `git ls-remote` lists the remote's refs (read-only, and it proves
the host can still reach the repository). A commit id cannot be listed by a remote; it is looked
up in the mirror as it is (a commit id never moves, so a stale mirror can only not know it).
`resolve()` picks the ref the way `git rev-parse` does after a fetch: an exact refs/... name,
else a tag (peeled to its commit), else a branch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..shell import script

SEP = "\x1f"

# $1 repository, $2 ref, $3 mirror. Prints `L<rc>` + ls-remote's lines, then `M<commit>` from
# the mirror (empty when unknown there). GIT_TERMINAL_PROMPT=0: never wait for a password.
_SCRIPT = r"""
out=$(GIT_TERMINAL_PROMPT=0 git ls-remote --exit-code -- "$1" "$2" "$2^{}" 2>&1); rc=$?
printf 'L%s\n%s\n' "$rc" "$out"
printf 'M%s\n' "$(git --git-dir="$3" rev-parse --verify --quiet "$2^{commit}" 2>/dev/null)"
"""

SHA = re.compile(r"^[0-9a-f]{7,40}$")


def ref_command(repository: str, ref: str, mirror: str):
    return script(_SCRIPT, repository, ref, mirror, name="deploytool-ref")


@dataclass(frozen=True)
class Resolved:
    commit: str  # "" when unresolved
    source: str  # "origin" | "cached mirror" | ""
    error: str = ""
    mirror_commit: str = ""  # what the host's mirror says today ("" when it does not know the ref)


def resolve(ls_remote: str, ref: str) -> str:
    """The commit `ref` names in ls-remote output ("" when none)."""
    refs: dict[str, str] = {}
    for line in ls_remote.splitlines():
        sha, _, name = line.partition("\t")
        if SHA.match(sha.strip()) and name:
            refs[name.strip()] = sha.strip()
    candidates = (
        [ref] if ref.startswith("refs/") else [f"refs/tags/{ref}", f"refs/heads/{ref}", ref]
    )
    for name in candidates:
        if name + "^{}" in refs:  # an annotated tag: the commit it points at
            return refs[name + "^{}"]
        if name in refs:
            return refs[name]
    return ""


def parse_ref(text: str, ref: str) -> Resolved:
    rc, listing, mirror = 1, [], ""
    section = ""
    for line in text.splitlines():
        if line.startswith("L") and section == "":
            section, rc = "L", int(line[1:] or 1)
        elif line.startswith("M") and section == "L":
            section, mirror = "M", line[1:].strip()
        elif section == "L":
            listing.append(line)
    found = resolve("\n".join(listing), ref) if rc == 0 else ""
    if found:
        return Resolved(found, "origin", mirror_commit=mirror)
    if SHA.match(ref):
        if mirror:
            return Resolved(mirror, "cached mirror", mirror_commit=mirror)
        return Resolved(
            "",
            "",
            f"commit {ref} is not in the host's cached mirror: plan cannot confirm it without "
            "fetching (--fetch)",
        )
    if rc in (0, 2):
        return Resolved("", "", f"no branch or tag {ref!r} in the repository", mirror)
    if mirror:
        return Resolved(
            mirror,
            "cached mirror",
            f"origin unreachable ({_last(listing)}); the cached mirror may be stale",
            mirror,
        )
    return Resolved("", "", f"cannot list the repository's refs: {_last(listing)}", mirror)


def _last(lines: list[str]) -> str:
    text = [
        line.strip() for line in lines if line.strip() and not line.startswith("Please make sure")
    ]
    return (text[0] if text else "no output")[:200]
