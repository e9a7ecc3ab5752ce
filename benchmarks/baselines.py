"""The baselines' own Python: a venv with the `bench` extra's packages (ansible-core, pyinfra).

They are kept out of deploytool's environment on purpose: pyinfra pins its own paramiko and
gevent, and the versions measured are the ones the extra names, not whatever happens to be
installed. `invoke bench` calls ensure(); the first run installs with pip (the ordinary client,
from the configured index), later runs only check. `$DEPLOYTOOL_BENCH_VENV` moves the venv.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VENV = Path.home() / ".cache" / "deploytool" / "bench-venv"


@dataclass(frozen=True)
class Baselines:
    venv: Path
    python: str  # runs the pyinfra client
    ansible: str  # the `ansible` ad-hoc command
    versions: dict


def requirements() -> list[str]:
    """The `bench` extra of pyproject.toml: one list of what the baselines are."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(data["project"]["optional-dependencies"]["bench"])


def venv_path() -> Path:
    return Path(os.environ.get("DEPLOYTOOL_BENCH_VENV") or DEFAULT_VENV)


def _versions(python: str) -> dict:
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        "for name in ('ansible-core', 'pyinfra'):\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    import json

    return json.loads(done.stdout) if done.returncode == 0 else {}


def ensure(log=print, install: bool = True) -> Baselines | None:
    """The venv with every baseline installed, creating or completing it when `install`."""
    venv = venv_path()
    python = str(venv / "bin" / "python")
    reqs = requirements()
    have = _versions(python) if Path(python).exists() else {}
    if len(have) < 2 and install:
        log(f"installing the baselines into {venv}: {', '.join(reqs)}")
        if not Path(python).exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *reqs],
            check=True,
        )
        have = _versions(python)
    if len(have) < 2:
        return None
    return Baselines(venv, python, str(venv / "bin" / "ansible"), have)
