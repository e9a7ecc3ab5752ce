"""Build once (`strategy: artifact`) on the real lab: a ship while jobs flow with git, composer,
node and npm unreachable on every host; one host's upload corrupted in transit failing the ship
on that host before anything is extracted or switched; and `ship --artifact` of a file built
earlier putting exactly its bytes on every host.

How the programs are made unreachable: each lab host has its own mount namespace, so a stub that
says "not installed" and exits 127 is bind-mounted over /usr/bin/{git,composer,node,npm} inside
every host (root, nsenter) for the test and unmounted after it. The deploy user's sshd session
then finds no working git or composer; the machine running deploytool (outside the namespaces)
keeps its own, which the build uses.

How the upload is corrupted: in-process, with the real session, steps and asyncssh transport
against the real hosts, whose upload() for h2 sends a copy of the artifact with one byte of its
tarball flipped, as a bad link or disk would deliver it. No hook in the product is needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploytool.commands.common import playbook_of
from deploytool.config import load_inventory
from deploytool.events import Bus, HostStepFinished, Recorder, ShipFinished, StepStarted
from deploytool.pipeline import Context
from deploytool.session import run_session
from deploytool.steps import REGISTRY
from deploytool.transport import open_transport

from .conftest import current_of, deploytool, job_stream, releases_of, ship, write_inventory

pytestmark = pytest.mark.lab

HIDDEN = ("git", "composer", "node", "npm")
STUB = '#!/bin/sh\necho "$(basename "$0"): not installed on this host" >&2\nexit 127\n'


def build_env(lab, cache: Path) -> dict[str, str]:
    """The deploying machine's environment: its own cache, and a git config that trusts the lab's
    origin (owned by deploy; deploytool runs as root here)."""
    return {"DEPLOYTOOL_CACHE": str(cache), "GIT_CONFIG_GLOBAL": str(lab.root / "gitconfig")}


@contextmanager
def programs_hidden(lab, names=HIDDEN):
    stub = lab.root / "not-installed.sh"
    stub.write_text(STUB)
    stub.chmod(0o755)
    mounted = []
    try:
        for h in lab.hosts:
            for name in names:
                lab.run(
                    h, ["mount", "--bind", str(stub), f"/usr/bin/{name}"], user="root", check=True
                )
                mounted.append((h, name))
        yield
    finally:
        for h, name in reversed(mounted):
            lab.run(h, ["umount", f"/usr/bin/{name}"], user="root")


# A `build:` step as a front-end build would be: node writes a hashed asset and its manifest,
# here only (node is hidden on the hosts in the first test; the asset still reaches them). Braces
# that are not a placeholder are doubled.
ASSETS = """\
extends: laravel
build:
  - name: assets
    run: [node, -e, "const fs = require('fs'); fs.mkdirSync('public/build', {{recursive: true}});
      const name = 'app-' + Date.now().toString(36) + '.js';
      fs.writeFileSync('public/build/' + name, '// built for {commit}');
      fs.writeFileSync('public/build/manifest.json', JSON.stringify({{'app.js': name}}));"]
"""


@pytest.fixture(scope="module")
def built(lab, tmp_path_factory):
    """v2 built once, the way CI would: `deploytool build --ref v2 -o FILE`, with a build step."""
    tmp = tmp_path_factory.mktemp("artifact")
    (tmp / "playbooks").mkdir()
    (tmp / "playbooks" / "assets.yml").write_text(ASSETS)
    inv = write_inventory(lab, tmp / "inventory.yml", strategy="artifact", playbook="assets")
    out = tmp / "lab-v2.tar"
    result = deploytool(
        "build", "-i", str(inv), "--ref", "v2", "-o", str(out), "--json", env=build_env(lab, tmp)
    )
    assert result.code == 0, result
    doc = json.loads(result.stdout)
    return out, doc, tmp


def manifest_of(path: Path) -> dict:
    from deploytool.artifact.envelope import open_artifact

    m = open_artifact(path).manifest
    return {"commit": m.commit, "ref": m.ref, "files": dict(m.files), "sha256": m.tarball_sha256}


def test_an_artifact_ship_needs_no_git_or_composer_on_the_hosts_and_loses_no_job(
    lab, fresh, tmp_path
):
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "assets.yml").write_text(ASSETS)
    inv = write_inventory(lab, tmp_path / "artifact.yml", strategy="artifact", playbook="assets")
    v1 = current_of(lab)["h1"]
    with programs_hidden(lab):
        for h in lab.hosts:  # what the deploy user's shell finds now
            r = lab.run(h, ["sh", "-c", "git --version; composer --version"], user="deploy")
            assert r.returncode == 127 and "not installed" in r.stderr, r
        with job_stream(lab, 4, 2.0, 0.7) as dispatched:
            result = ship(inv, "--ref", "v2", env=build_env(lab, tmp_path))
    assert result.code == 0, result
    started = [e["step"] for e in result.of("StepStarted")]
    assert started[:4] == ["build", "upload", "verify", "extract"] and "pull" not in started
    ran = result.of("CommandRan")
    here = " ".join(e["command"] for e in ran if e["host"] == "local")
    sent = " ".join(e["command"] for e in ran if e["host"] != "local")
    assert "git " in here and "composer install" in here and "node -e" in here  # built here
    # Nothing of the kind runs on a host. A program, not a word: the running-code probe names
    # `.git` as a directory it leaves out of its search.
    assert not re.search(r"(?:^|[\s;&|(])(?:git|composer)\s", sent), sent
    v2 = result.release
    assert v2 != v1 and current_of(lab) == {"h1": v2, "h2": v2, "h3": v2}
    account = lab.wait_for_ledger(dispatched, timeout=120)
    assert account.lost == [] and account.interrupted == [] and account.duplicated == [], account
    assert {r.version for r in lab.ledger() if r.finished} == {"v1", "v2"}
    assets = {(h.app_dir / "current/public/build/manifest.json").read_text() for h in lab.hosts}
    assert len(assets) == 1  # the same built asset on every host, built where node is


def flip_one_byte_for(transport, victim: str, tmp: Path):
    """Wrap the transport's upload: `victim` receives the artifact with one tarball byte flipped."""
    from deploytool.artifact.envelope import open_artifact

    real = transport.upload

    def upload(host, local, remote, **kw):
        if host.name != victim:
            return real(host, local, remote, **kw)
        art = open_artifact(local)
        data = bytearray(Path(local).read_bytes())
        data[art.offset + art.manifest.tarball_size // 2] ^= 0x01
        damaged = tmp / "in-transit.tar"
        damaged.write_bytes(bytes(data))
        return real(host, str(damaged), remote, **kw)

    transport.upload = upload


def test_a_corrupted_upload_on_one_host_fails_there_before_any_extract_or_switch(
    lab, fresh, built, tmp_path
):
    path, doc, _ = built
    inv = load_inventory(write_inventory(lab, tmp_path / "artifact.yml", strategy="artifact"))
    stage = inv.stages["lab"]
    before, releases = current_of(lab), releases_of(lab)
    transport = open_transport(stage.ssh)
    flip_one_byte_for(transport, "h2", tmp_path)
    bus, rec = Bus(), Recorder()
    bus.subscribe(rec)
    pb = playbook_of(inv)
    ctx = Context(
        inventory=inv,
        stage=stage,
        playbook=pb,
        transport=transport,
        bus=bus,
        ref=doc["ref"],
        deployer="e2e",
        artifact=str(path),
    )
    try:
        code = run_session(ctx, "ship", pb.steps, REGISTRY, pb.on_failure)
    finally:
        ctx.close()
    assert code == 14
    failed = [e for e in rec.of(HostStepFinished) if not e.ok]
    assert [(e.step, e.host) for e in failed] == [("verify", "h2")]
    assert doc["sha256"] in failed[0].detail and "arrived corrupted" in failed[0].detail
    finished = rec.of(ShipFinished)[-1]
    assert finished.message.startswith("h2: verify: the artifact arrived corrupted")
    got = finished.message.split(" has sha256 ")[1].split(",")[0]
    assert len(got) == 64 and got != doc["sha256"]  # both checksums named
    assert "extract" not in [e.step for e in rec.of(StepStarted)]
    assert current_of(lab) == before and releases_of(lab) == releases  # discarded everywhere


def test_shipping_an_artifact_built_earlier_puts_its_exact_bytes_on_every_host(
    lab, fresh, built, tmp_path
):
    path, doc, cache = built
    inv = write_inventory(lab, tmp_path / "inventory.yml")  # strategy git: --artifact overrides
    result = ship(inv, "--artifact", str(path), env=build_env(lab, cache))
    assert result.code == 0, result
    manifest = manifest_of(path)
    assert result.of("ShipStarted")[0]["ref"] == "v2"
    assert result.of("ReleaseResolved")[0]["commit"] == manifest["commit"] == doc["commit"]
    assert "prebuilt lab-v2.tar" in result.of("StepFinished")[0]["detail"]
    release = result.release
    shared = ("storage/", ".env")  # replaced by links to shared/, as in any release
    compared = 0
    for h in lab.hosts:
        root = h.app_dir / "releases" / release
        assert (root / "REVISION").read_text().strip() == manifest["commit"]
        for rel, sha in manifest["files"].items():
            if rel.startswith(shared):
                continue
            assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == sha, (h.name, rel)
            compared += 1
        assert not os.path.exists(root / ".deploytool-artifact.tar")
        meta = json.loads((root / ".deploytool-release.json").read_text())
        assert meta["artifact"]["sha256"] == manifest["sha256"]
    assert compared >= 3 * 40
    assert "public/build/manifest.json" in manifest["files"]  # the build step's output, shipped
