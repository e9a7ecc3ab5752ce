"""What the lab needs on this machine (root and these commands), checked before a lab comes up; the
benchmark's light lab checks the same (benchmarks/lightlab.py)."""

from __future__ import annotations

import os
import shutil

from . import web_conf
from .procs import LabError

REQUIRED_COMMANDS = (
    "unshare",
    "nsenter",
    "setpriv",
    "mount",
    "hostname",
    "useradd",
    "usermod",
    "/usr/sbin/sshd",
    "ssh",
    "ssh-keygen",
    "supervisord",
    "supervisorctl",
    "redis-server",
    "redis-cli",
    "mariadbd",
    "mariadb",
    "mariadb-install-db",
    "php",
    "composer",
    "git",
    *web_conf.REQUIRED_COMMANDS,
)


def check_prerequisites() -> None:
    if os.geteuid() != 0:
        raise LabError("the lab needs root (namespaces, bind mounts, sshd)")
    missing = [c for c in REQUIRED_COMMANDS if shutil.which(c) is None]
    if missing:
        raise LabError(
            f"missing commands for the lab: {', '.join(missing)}; install the packages listed "
            f"in tests/lab/README.md"
        )
