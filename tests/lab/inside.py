"""Working inside the lab's hosts (a mixin of Lab): a command in a host's namespaces as root or
deploy, the OpenSSH argv to reach it, supervisorctl, and the worker programs' status, start and
stop. Bringing the fleet up and down, its shape and state, is lab.py's; the app's state
(jobs, ledger, databases) app_state.py's.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import host as hostns
from .kinds import supervisorctl
from .procs import LabError

if TYPE_CHECKING:
    from .lab import LabHost


class Inside:
    def run(
        self,
        which: str | LabHost,
        argv: Sequence[str],
        user: str = "deploy",
        cwd: str = hostns.DEPLOY_PATH,
        timeout: float = 120,
        input: str | None = None,
        check: bool = False,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess:
        """Run `argv` inside a host's namespaces as `user` (root or deploy), from `cwd`."""
        h = self.host(which)
        done = subprocess.run(
            hostns.in_namespace(h.pid, list(argv), user=user, cwd=cwd, env=env),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise LabError(
                f"{h.name}: {' '.join(argv)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done

    def ssh_argv(self, which: str | LabHost, *command: str) -> list[str]:
        """OpenSSH client argv for `ssh hN command...` with the lab's ssh_config."""
        return ["ssh", "-F", str(self.ssh_config), self.host(which).name, *command]

    def supervisorctl(
        self, which: str | LabHost, *args: str, user: str = "deploy", timeout: float = 120
    ) -> subprocess.CompletedProcess:
        return self.run(which, supervisorctl(*args), user=user, cwd="/", timeout=timeout)

    def worker_status(self, which: str | LabHost) -> dict[str, tuple[str, int | None]]:
        """{'worker_00': ('RUNNING', 1234), ...} from supervisorctl status."""
        return self.kinds.status(which, "worker")

    def start_workers(
        self, hosts: Sequence[str | LabHost] | None = None, timeout: float = 60
    ) -> None:
        """Start the worker programs on every host (or on `hosts`); they need `current`,
        i.e. a first ship. Waits until all of them are RUNNING."""
        self.kinds.start("worker", hosts, timeout)

    def stop_workers(
        self, hosts: Sequence[str | LabHost] | None = None, timeout: float = 120
    ) -> None:
        """Stop the worker programs everywhere, or on `hosts` (TERM: each worker finishes
        its current job first; supervisord waits up to stopwaitsecs=40)."""
        self.kinds.stop("worker", hosts, timeout)
