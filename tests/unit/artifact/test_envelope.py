"""The artifact file: a built tree packed with the SHA-256 of every file, read back, checked here
(a changed byte is caught with both checksums before any host is touched), and refused whole
when it is not a deploytool artifact."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from deploytool.artifact.envelope import (
    MANIFEST,
    TARBALL,
    open_artifact,
    pack,
    sha256_of,
    verify_local,
)
from deploytool.errors import ArtifactError, ExitCode

META = dict(
    app="shop",
    commit="0123456789abcdef0123456789abcdef01234567",
    ref="main",
    built_by="me@here",
    built_at="2026-01-02T03:04:05+00:00",
)


def tree(root: Path) -> Path:
    (root / "public" / "build").mkdir(parents=True)
    (root / "storage" / "logs").mkdir(parents=True)  # an empty dir survives too
    (root / "artisan").write_text("#!/usr/bin/env php\n<?php\n")
    (root / "artisan").chmod(0o755)
    (root / "public" / "build" / "app-4f2a.js").write_bytes(os.urandom(70_000))
    (root / "public" / "index.php").write_text("<?php echo 1;\n")
    os.link(root / "public" / "index.php", root / "public" / "index2.php")
    (root / "public" / "storage").symlink_to("../storage/app/public")
    return root


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pack_hashes_every_file_and_the_tarball_and_reads_back(tmp_path):
    src = tree(tmp_path / "src")
    out = tmp_path / "dist" / "shop.tar"
    m = pack(src, out, META)
    art = open_artifact(out)
    assert art.manifest == m and not list(out.parent.glob("*.part"))
    files = {
        p.relative_to(src).as_posix(): digest(p)
        for p in src.rglob("*")
        if p.is_file() and not p.is_symlink()
    }
    assert dict(m.files) == files  # every regular file, hard links included
    assert dict(m.links) == {"public/storage": "../storage/app/public"}
    assert sha256_of(out, art.offset, m.tarball_size) == (m.tarball_sha256, m.tarball_size)
    verify_local(art)
    with tarfile.open(out) as env:
        assert env.getnames() == [MANIFEST, TARBALL]
        inner = env.extractfile(TARBALL).read()
    assert hashlib.sha256(inner).hexdigest() == m.tarball_sha256
    back = tmp_path / "back"
    with tarfile.open(fileobj=io.BytesIO(inner)) as tar:
        tar.extractall(back, filter="tar")
    assert {p: digest(back / p) for p in files} == files
    assert (back / "storage" / "logs").is_dir()
    assert os.access(back / "artisan", os.X_OK)
    assert os.readlink(back / "public" / "storage") == "../storage/app/public"


def test_one_changed_byte_in_the_tarball_fails_with_both_checksums(tmp_path):
    out = tmp_path / "shop.tar"
    m = pack(tree(tmp_path / "src"), out, META)
    art = open_artifact(out)
    with out.open("r+b") as f:
        f.seek(art.offset + m.tarball_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ArtifactError) as e:
        verify_local(open_artifact(out))
    got = sha256_of(out, art.offset, m.tarball_size)[0]
    assert e.value.exit_code == ExitCode.ARTIFACT
    assert m.tarball_sha256 in e.value.message and got in e.value.message
    assert "no host was touched" in e.value.message


def test_what_is_not_an_artifact_is_refused(tmp_path):
    with pytest.raises(ArtifactError, match="no such file"):
        open_artifact(tmp_path / "missing.tar")
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all" * 100)
    with pytest.raises(ArtifactError, match="not a tar file"):
        open_artifact(junk)
    plain = tmp_path / "plain.tar"
    with tarfile.open(plain, "w") as tar:
        tar.add(tree(tmp_path / "src"), arcname="src")
    with pytest.raises(ArtifactError, match="expected the members manifest.json, release.tar.gz"):
        open_artifact(plain)


def test_a_tarball_whose_size_disagrees_with_its_manifest_is_refused(tmp_path):
    out = tmp_path / "shop.tar"
    m = pack(tree(tmp_path / "src"), out, META)
    body = m.to_json().replace(f'"size": {m.tarball_size}', f'"size": {m.tarball_size + 1}')
    forged = tmp_path / "forged.tar"
    with tarfile.open(out) as env, tarfile.open(forged, "w") as new:
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body.encode())
        new.addfile(info, io.BytesIO(body.encode()))
        t = env.getmember(TARBALL)
        new.addfile(t, env.extractfile(t))
    with pytest.raises(ArtifactError, match="its manifest says"):
        open_artifact(forged)
