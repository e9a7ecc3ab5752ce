"""The artifact strategy on a recording transport: the steps it runs, one file uploaded to every
host, no git or composer ever sent to a host, and a checksum that differs on one host failing
the ship there (exit 14, both checksums) before anything is extracted or switched anywhere."""

from __future__ import annotations

import dataclasses

import pytest

from deploytool.artifact.envelope import open_artifact, pack
from deploytool.config.model import Host
from deploytool.config.strategy import for_application
from deploytool.errors import ArtifactError, ExitCode, HostError
from deploytool.events import ReleaseResolved, StepStarted
from deploytool.pipeline import run_steps
from deploytool.steps import REGISTRY

from .test_runner import happy
from .test_runner import make as runner_make

HOSTS = (Host("10.0.0.1", "h1", migrate=True), Host("10.0.0.2", "h2"), Host("10.0.0.3", "h3"))
COMMIT = "fedcba9876543210fedcba9876543210fedcba98"


@pytest.fixture
def artifact(tmp_path):
    tree = tmp_path / "tree"
    (tree / "public").mkdir(parents=True)
    (tree / "artisan").write_text("<?php\n")
    (tree / "public" / "app.js").write_text("console.log(1)\n")
    out = tmp_path / "a.tar"
    meta = dict(app="a", commit=COMMIT, ref="v9", built_by="ci", built_at="2026-01-01T00:00:00")
    return out, pack(tree, out, meta)


def make(answer, artifact_path, app_name="a"):
    """test_runner's context, with the artifact strategy's steps and `ship --artifact FILE`."""
    ctx, tr, rec = runner_make(answer, strategy="artifact")
    app = dataclasses.replace(ctx.app, name=app_name)
    ctx = dataclasses.replace(
        ctx,
        inventory=dataclasses.replace(ctx.inventory, application=app),
        playbook=for_application(ctx.playbook, app),
        ref="v9",
        artifact=str(artifact_path),
    )
    return ctx, tr, rec


def answering(sha: str, corrupt_on: str = ""):
    def answer(host, text):
        if "sha256sum" in text:
            return 0, ("0" * 64 if host == corrupt_on else sha) + "  -\n"
        return happy(host, text)

    return answer


def test_a_prebuilt_artifact_ships_without_git_or_composer_on_any_host(artifact):
    path, manifest = artifact
    ctx, tr, rec = make(answering(manifest.tarball_sha256), path)
    run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert [e.step for e in rec.of(StepStarted)][:5] == [
        "build",
        "upload",
        "verify",
        "extract",
        "check-migrations",
    ]
    assert rec.of(StepStarted)[0].hosts == ("local",)  # build runs here, on no host
    release = rec.of(ReleaseResolved)[0].release
    assert release.endswith("-fedcba9") and ctx.state.commit == COMMIT
    remote = f"/app/releases/{release}/.deploytool-artifact.tar"
    assert sorted(tr.uploads) == [(h, str(path), remote) for h in ("h1", "h2", "h3")]
    sent = [t for _, t in tr.log]
    assert not [t for t in sent if "git " in t or "composer" in t]
    assert sorted(tr.ran("tar -xzf - -C")) == ["h1", "h2", "h3"]
    assert sorted(tr.ran("mv -T")) == ["h1", "h2", "h3"]


def test_a_corrupted_upload_on_one_host_fails_there_before_any_extract_or_switch(artifact):
    path, manifest = artifact
    ctx, tr, rec = make(answering(manifest.tarball_sha256, corrupt_on="h2"), path)
    with pytest.raises(HostError) as e:
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert (e.value.host, e.value.step, e.value.exit_code) == ("h2", "verify", ExitCode.ARTIFACT)
    assert manifest.tarball_sha256 in e.value.message and "0" * 64 in e.value.message
    assert [e.step for e in rec.of(StepStarted)][-1] == "verify"
    assert tr.ran("tar -xzf - -C") == [] and tr.ran("mv -T") == []
    assert sorted(tr.ran("rm -rf -- /app/releases/")) == ["h1", "h2", "h3"]  # discarded


def test_an_artifact_of_another_app_or_a_damaged_one_touches_no_host(artifact, tmp_path):
    path, manifest = artifact
    ctx, tr, _ = make(answering(manifest.tarball_sha256), path, app_name="billing")
    with pytest.raises(ArtifactError, match="built for the app 'a'"):
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert tr.log == [] and tr.uploads == []
    data = bytearray(path.read_bytes())
    data[open_artifact(path).offset + manifest.tarball_size // 2] ^= 0xFF  # in release.tar.gz
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    ctx, tr, _ = make(answering(manifest.tarball_sha256), damaged)
    with pytest.raises(ArtifactError, match="does not match its manifest"):
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert tr.log == [] and tr.uploads == []
