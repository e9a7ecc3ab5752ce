"""The manifest: JSON round trip, and every field a hand-edited or damaged manifest can get wrong
refused with that field's name (exit 14), never a KeyError."""

from __future__ import annotations

import json

import pytest

from deploytool.artifact.manifest import Manifest, parse
from deploytool.errors import ArtifactError, ExitCode

SHA = "ab" * 32
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def manifest(**kw) -> Manifest:
    base = dict(
        app="shop",
        commit=COMMIT,
        ref="v1.2",
        built_by="ci@runner (https://ci/jobs/7)",
        built_at="2026-01-02T03:04:05+00:00",
        tarball_sha256=SHA,
        tarball_size=1234,
        files={"artisan": "cd" * 32, "public/build/manifest.json": "ef" * 32},
        links={"public/storage": "../storage/app/public"},
        install=("composer", "install", "--no-dev"),
        build=(("npm", "ci"), ("npm", "run", "build")),
    )
    return Manifest(**{**base, **kw})


def test_a_manifest_reads_back_exactly_as_written():
    m = manifest()
    again = parse(m.to_json(), "a.tar")
    assert again == m
    assert dict(again.files) == dict(m.files) and again.build == m.build
    assert m.summary() == {
        "app": "shop",
        "commit": COMMIT,
        "ref": "v1.2",
        "built_by": "ci@runner (https://ci/jobs/7)",
        "built_at": "2026-01-02T03:04:05+00:00",
        "sha256": SHA,
        "size": 1234,
        "files": 2,
    }


def edited(change) -> str:
    d = json.loads(manifest().to_json())
    change(d)
    return json.dumps(d)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: d.update(format=2), "format 2"),
        (lambda d: d.update(commit="abc"), "'commit'"),
        (lambda d: d["tarball"].update(sha256="xyz"), "'tarball.sha256'"),
        (lambda d: d["tarball"].update(size=-1), "'tarball.size'"),
        (lambda d: d["tarball"].update(size=True), "'tarball.size'"),
        (lambda d: d.pop("tarball"), "'tarball.sha256'"),
        (lambda d: d["files"].update({"a": "not-a-hash"}), "'files'"),
        (lambda d: d.update(files=["artisan"]), "'files'"),
        (lambda d: d.update(links={"a": 1}), "'links'"),
        (lambda d: d.update(ref=""), "'ref'"),
        (lambda d: d.pop("built_by"), "'built_by'"),
    ],
)
def test_each_bad_field_is_refused_by_name(change, field):
    with pytest.raises(ArtifactError) as e:
        parse(edited(change), "dist/shop.tar")
    assert e.value.exit_code == ExitCode.ARTIFACT
    assert e.value.message.startswith("dist/shop.tar: not a usable deploytool artifact")
    assert field in e.value.message


@pytest.mark.parametrize("text", ["", "{", "[]", '"x"'])
def test_what_is_not_a_json_object_is_refused(text):
    with pytest.raises(ArtifactError, match="not a usable deploytool artifact"):
        parse(text, "x.tar")
