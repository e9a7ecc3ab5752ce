"""The manifest of a build-once artifact: what was built (app, commit, ref), by whom and when, and
the SHA-256 of its release tarball and of every file inside it.

Pure data: JSON in, a frozen Manifest out, every field checked, so a hand-edited or truncated
manifest is refused with the field it got wrong instead of deploying something half-described.
The file layout around it is envelope.py's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..errors import ArtifactError

FORMAT = 1
HEX40 = re.compile(r"^[0-9a-f]{40}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Manifest:
    app: str
    commit: str
    ref: str
    built_by: str
    built_at: str  # ISO 8601, UTC
    tarball_sha256: str
    tarball_size: int
    files: Mapping[str, str] = field(default_factory=dict)  # path -> SHA-256, regular files
    links: Mapping[str, str] = field(default_factory=dict)  # path -> target, symlinks
    install: tuple[str, ...] = ()  # the install command, as run
    build: tuple[tuple[str, ...], ...] = ()  # the build steps, as run
    format: int = FORMAT

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))
        object.__setattr__(self, "links", MappingProxyType(dict(self.links)))

    @property
    def short(self) -> str:
        return self.commit[:12]

    def summary(self) -> dict:
        """Everything but the file lists: what the release metadata and the views show."""
        return {
            "app": self.app,
            "commit": self.commit,
            "ref": self.ref,
            "built_by": self.built_by,
            "built_at": self.built_at,
            "sha256": self.tarball_sha256,
            "size": self.tarball_size,
            "files": len(self.files),
        }

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": self.format,
                "app": self.app,
                "commit": self.commit,
                "ref": self.ref,
                "built_by": self.built_by,
                "built_at": self.built_at,
                "install": list(self.install),
                "build": [list(s) for s in self.build],
                "tarball": {"sha256": self.tarball_sha256, "size": self.tarball_size},
                "files": dict(sorted(self.files.items())),
                "links": dict(sorted(self.links.items())),
            },
            indent=1,
        )


def parse(text: str, where: str) -> Manifest:
    """A manifest from its JSON; ArtifactError naming `where` and the first bad field."""
    try:
        d = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise bad(where, f"the manifest is not JSON ({e})") from None
    if not isinstance(d, dict):
        raise bad(where, "the manifest is not a JSON object")
    if d.get("format") != FORMAT:
        raise bad(where, f"manifest format {d.get('format')!r}; this deploytool reads {FORMAT}")
    tarball = d.get("tarball") if isinstance(d.get("tarball"), dict) else {}
    checks = (
        ("commit", HEX40.match(str(d.get("commit", ""))), "a 40-digit hex commit"),
        ("tarball.sha256", HEX64.match(str(tarball.get("sha256", ""))), "a SHA-256"),
        ("tarball.size", _is_size(tarball.get("size")), "a size in bytes"),
        ("files", _hashes(d.get("files")), "a mapping of path -> SHA-256"),
        ("links", _strings(d.get("links", {})), "a mapping of path -> target"),
    )
    for key in ("app", "ref", "built_by", "built_at"):
        if not isinstance(d.get(key), str) or not d[key]:
            raise bad(where, f"manifest field {key!r}: expected a non-empty string")
    for key, ok, expected in checks:
        if not ok:
            raise bad(where, f"manifest field {key!r}: expected {expected}")
    return Manifest(
        app=d["app"],
        commit=d["commit"],
        ref=d["ref"],
        built_by=d["built_by"],
        built_at=d["built_at"],
        tarball_sha256=tarball["sha256"],
        tarball_size=tarball["size"],
        files=d["files"],
        links=d.get("links", {}),
        install=tuple(str(a) for a in d.get("install") or ()),
        build=tuple(tuple(str(a) for a in s) for s in d.get("build") or ()),
    )


def bad(where: str, why: str) -> ArtifactError:
    return ArtifactError(
        f"{where}: not a usable deploytool artifact: {why}",
        "build a new one with `deploytool build -o FILE`",
    )


def _is_size(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _hashes(v: object) -> bool:
    return _strings(v) and all(HEX64.match(h) for h in v.values())  # type: ignore[union-attr]


def _strings(v: object) -> bool:
    if not isinstance(v, dict):
        return False
    return all(isinstance(k, str) and isinstance(x, str) for k, x in v.items())
