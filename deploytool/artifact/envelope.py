"""The artifact file: an uncompressed tar with exactly two members, in this order:

    manifest.json     the Manifest (manifest.py): commit, ref, who, when, every file's SHA-256
    release.tar.gz    the release tree, as built

The manifest cannot hash the file it is in, so it hashes the member next to it; a host checks the
tarball it received against that hash before extracting anything (steps/verify.py). `pack` makes
one from a built tree, hashing each file as it is added; `open_artifact` reads one back and
`verify_local` checks its tarball here, before any host is touched.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ArtifactError
from .manifest import Manifest, bad, parse

MANIFEST, TARBALL = "manifest.json", "release.tar.gz"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Artifact:
    path: Path
    manifest: Manifest
    offset: int  # where release.tar.gz's bytes start in the file
    size: int  # the file's size

    @property
    def name(self) -> str:
        return self.path.name


class _Hashing:
    """A file object that hashes what tarfile reads from it, so each file is read once."""

    def __init__(self, f):
        self.f, self.sha = f, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.sha.update(data)
        return data


def pack(tree: Path, out: Path, meta: dict) -> Manifest:
    """The built tree at `tree` as the artifact `out` (written beside it, then renamed, so a
    failed pack never leaves a file that looks whole). `meta` holds the Manifest's other fields."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tgz, part = out.with_name(out.name + ".tgz.part"), out.with_name(out.name + ".part")
    files: dict[str, str] = {}
    links: dict[str, str] = {}
    try:
        with tarfile.open(tgz, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
            for path in _walk(tree):
                _add(tar, path, path.relative_to(tree).as_posix(), files, links)
        sha, size = sha256_of(tgz)
        manifest = Manifest(**meta, tarball_sha256=sha, tarball_size=size, files=files, links=links)
        body = manifest.to_json().encode()
        with tarfile.open(part, "w", format=tarfile.PAX_FORMAT) as env:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(body), 0o644
            env.addfile(info, io.BytesIO(body))
            info = env.gettarinfo(str(tgz), arcname=TARBALL)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with tgz.open("rb") as f:
                env.addfile(info, f)
        os.replace(part, out)
        return manifest
    finally:
        tgz.unlink(missing_ok=True)
        part.unlink(missing_ok=True)


def _walk(root: Path):
    """Every entry below root, parents first, in a stable order; symlinks are not followed."""
    entries = sorted(os.scandir(root), key=lambda e: e.name)
    for e in entries:
        yield Path(e.path)
        if e.is_dir(follow_symlinks=False):
            yield from _walk(Path(e.path))


def _add(tar: tarfile.TarFile, path: Path, rel: str, files: dict, links: dict) -> None:
    info = tar.gettarinfo(str(path), arcname=rel)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if info.isreg():
        with path.open("rb") as f:
            hashing = _Hashing(f)
            tar.addfile(info, hashing)
        files[rel] = hashing.sha.hexdigest()
    elif info.islnk():  # a second name of a file already added
        tar.addfile(info)
        files[rel] = files[info.linkname]
    elif info.issym():
        tar.addfile(info)
        links[rel] = info.linkname
    elif info.isdir():
        tar.addfile(info)
    # fifos, sockets, devices: nothing a release needs


def sha256_of(path: Path, offset: int = 0, size: int | None = None) -> tuple[str, int]:
    """SHA-256 and length of `size` bytes of the file from `offset` (to the end: None)."""
    sha, n = hashlib.sha256(), 0
    with path.open("rb") as f:
        f.seek(offset)
        while size is None or n < size:
            chunk = f.read(CHUNK if size is None else min(CHUNK, size - n))
            if not chunk:
                break
            sha.update(chunk)
            n += len(chunk)
    return sha.hexdigest(), n


def open_artifact(path: Path | str) -> Artifact:
    """The artifact at `path`, its manifest read and checked (not yet its tarball's bytes)."""
    path = Path(path)
    where = str(path)
    try:
        with tarfile.open(path, "r:") as tf:
            members = tf.getmembers()
            names = [m.name for m in members]
            if names != [MANIFEST, TARBALL]:
                raise bad(where, f"expected the members {MANIFEST}, {TARBALL}; found {names}")
            text = tf.extractfile(members[0]).read().decode("utf-8", "replace")
            tarball = members[1]
    except FileNotFoundError:
        raise ArtifactError(
            f"{where}: no such file", "pass the file `deploytool build` wrote"
        ) from None
    except (OSError, tarfile.TarError) as e:
        raise bad(where, f"not a tar file ({e})") from None
    manifest = parse(text, where)
    if tarball.size != manifest.tarball_size:
        raise bad(
            where,
            f"{TARBALL} is {tarball.size} bytes, its manifest says {manifest.tarball_size}",
        )
    return Artifact(path, manifest, tarball.offset_data, path.stat().st_size)


def verify_local(artifact: Artifact) -> None:
    """The tarball's bytes here match the manifest, or ArtifactError with both checksums."""
    m = artifact.manifest
    sha, _ = sha256_of(artifact.path, artifact.offset, m.tarball_size)
    if sha != m.tarball_sha256:
        raise ArtifactError(
            f"{artifact.path}: {TARBALL} does not match its manifest: expected sha256 "
            f"{m.tarball_sha256}, got {sha}; no host was touched",
            "the file was altered or damaged since it was built: build it again",
        )
