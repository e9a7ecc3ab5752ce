"""The deploying machine's own cache of the repository: a git mirror per repository URL under
the cache directory, fetched (only new objects) before each build, with the refspecs the hosts'
mirrors use (mirror.py), so a ref means the same commit here as in a git ship.

The cache directory is $DEPLOYTOOL_CACHE, else $XDG_CACHE_HOME/deploytool, else
~/.cache/deploytool; the artifacts a ship builds are kept there too (artifacts/).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from ..errors import DeployError
from ..mirror import REFSPECS
from ..shell import Cmd, cmd
from ..transport.base import Result

# (command, what) -> its Result; raises a DeployError when the command fails (build.py's runner).
Runner = Callable[[Cmd, str], Result]


def cache_dir() -> Path:
    if os.environ.get("DEPLOYTOOL_CACHE"):
        return Path(os.environ["DEPLOYTOOL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "deploytool"


def mirror_path(repository: str) -> Path:
    """One directory per repository URL: a readable stem plus a hash of the whole URL."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", repository.rstrip("/").rsplit("/", 1)[-1])[:40]
    digest = hashlib.sha256(repository.encode()).hexdigest()[:12]
    return cache_dir() / "repos" / f"{stem or 'repo'}-{digest}"


def update(repository: str, run: Runner) -> Path:
    """The mirror of `repository`, cloned on first use and fetched afterwards."""
    mirror = mirror_path(repository)
    git = ("git", "--git-dir", str(mirror))
    if (mirror / "HEAD").is_file():
        run(cmd(*git, "remote", "set-url", "origin", repository), "git remote set-url")
        fetch = cmd(*git, "fetch", "--quiet", "--prune", "--force", "origin", *REFSPECS)
        run(fetch, f"fetching {repository}")
        return mirror
    part = mirror.with_name(mirror.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.parent.mkdir(parents=True, exist_ok=True)
    try:
        run(
            cmd("git", "clone", "--quiet", "--mirror", repository, str(part)),
            f"cloning {repository}",
        )
    except DeployError:
        shutil.rmtree(part, ignore_errors=True)
        raise
    os.replace(part, mirror)
    return mirror


def resolve(mirror: Path, ref: str, run: Runner) -> str:
    """The commit `ref` names in the mirror."""
    spec = ref + "^{commit}"
    try:
        r = run(cmd("git", "--git-dir", str(mirror), "rev-parse", "--verify", "--quiet", spec), "")
    except DeployError:
        r = None
    if r is None or not r.stdout.strip():
        raise DeployError(
            f"build: ref not found in the repository: {ref}",
            "push it, or pass an existing branch, tag or commit with --ref",
        )
    return r.stdout.strip()
