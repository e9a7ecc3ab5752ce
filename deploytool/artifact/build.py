"""Build once, where deploytool runs: the release tree made on this machine and packed as an
artifact, so the hosts need neither git, composer nor node.

The ref is resolved in the local mirror (repo_cache.py); `git archive` of that commit is
extracted into a fresh directory; the install command (composer install --no-dev ...) and the
build steps (npm ci, npm run build, ...) run inside it; the tree is packed with its manifest
(envelope.py). Every command goes through a runner: in a ship, ctx.run on the local transport
(events, --verbose, the run's cancel and secrets like any step's); for `deploytool build`,
local_runner().
"""

from __future__ import annotations

import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..config.model import Application
from ..shell import Cmd, cmd
from ..transport.local import HOST, LocalTransport
from . import repo_cache
from .envelope import Artifact, open_artifact, pack
from .repo_cache import Runner


@dataclass(frozen=True)
class Built:
    artifact: Artifact
    seconds: float
    phases: tuple[tuple[str, float], ...]  # (fetch | archive | install | build | pack, seconds)


def default_output(app: Application, commit: str) -> Path:
    """Where a ship keeps the artifact it built (promote it later with `ship --artifact`)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return repo_cache.cache_dir() / "artifacts" / f"{app.name}-{commit[:12]}-{stamp}.tar"


def local_runner(
    app: Application, transport: LocalTransport, secrets: Sequence[str] = ()
) -> Runner:
    """A runner without a ship (`deploytool build`): the local transport a ship uses, and the
    failure message of a step (its output redacted of `secrets`)."""

    def run(command: Cmd, what: str):
        r = transport.run(HOST, command, timeout=app.command_timeout, step="build")
        if not r.ok:
            raise r.failure("build", what, secrets)
        return r

    return run


def build(
    app: Application,
    ref: str,
    out: Path | None,
    *,
    who: str,
    install: Sequence[str],
    run: Runner,
    steps: Callable[[str], Sequence[tuple[str, Cmd]]] = lambda commit: (),
) -> Built:
    """Build `ref` of `app` into the artifact `out` (default: default_output()). `steps(commit)`
    gives the `build:` steps as (name, command), run in the tree after the install."""
    t0 = time.monotonic()
    phases: list[tuple[str, float]] = []

    def phase(name: str, since: float) -> float:
        now = time.monotonic()
        phases.append((name, now - since))
        return now

    mirror = repo_cache.update(app.repository, run)
    commit = repo_cache.resolve(mirror, ref, run)
    t = phase("fetch", t0)
    out = out or default_output(app, commit)
    with tempfile.TemporaryDirectory(prefix="deploytool-build-") as tmp:
        tree, src = Path(tmp) / "release", Path(tmp) / "src.tar"
        tree.mkdir()
        run(
            cmd("git", "--git-dir", mirror, "archive", "--format=tar", "-o", src, commit),
            "git archive",
        )
        with tarfile.open(src) as tar:
            tar.extractall(tree, filter="tar")  # git's own output: keep its symlinks as they are
        src.unlink()
        t = phase("archive", t)
        argv = tuple(install)
        if argv:
            run(Cmd(argv, cwd=str(tree), env=app.env), " ".join(argv[:2]))
            t = phase("install", t)
        built = tuple(steps(commit))
        for name, step in built:
            run(Cmd(step.argv, cwd=str(tree), env={**app.env, **step.env}), name)
        if built:
            t = phase("build", t)
        meta = {
            "app": app.name,
            "commit": commit,
            "ref": ref,
            "built_by": who,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "install": argv,
            "build": tuple(tuple(s.argv) for _, s in built),
        }
        pack(tree, out, meta)
        phase("pack", t)
    return Built(open_artifact(out), time.monotonic() - t0, tuple(phases))


def build_steps(pb, app: Application, stage: str = "") -> Callable[[str], list[tuple[str, Cmd]]]:
    """The playbook's `build:` steps as commands for `build(steps=...)`, {commit} filled in."""
    from ..steps.user import resolved

    def of(commit: str) -> list[tuple[str, Cmd]]:
        values = {"commit": commit, "release": "", "stage": stage, "host": HOST.name}
        return [
            (s.name, resolved(s.user, {**values, "step": s.name}, app.php, None, {}))
            for s in pb.build
        ]

    return of
