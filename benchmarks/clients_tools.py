"""The deploy tools a team could use instead: Ansible ad-hoc with pipelining, pyinfra's API.

Both run from the baselines' venv (benchmarks/baselines.py): Ansible as its `ansible` command,
pyinfra in that venv's Python (the worker runs there for it).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .clients import Client, Setup

SLOW_STEPS = 2  # playbook steps per repetition for these two: each step costs seconds at scale
ANSIBLE_MAX_FORKS = 200  # a forked Python per host in flight: 500 of them would not fit in memory


class Ansible(Client):
    """`ansible all -m command -a CMD -f N` with pipelining and ControlPersist (Ansible's defaults
    plus pipelining): one invocation per step, like an ad-hoc run or a play with a barrier.
    forks = the host count, at most ANSIBLE_MAX_FORKS."""

    steps = SLOW_STEPS

    def __init__(self, s: Setup):
        self.s = s
        self.dir = Path(s.workdir) / "ansible"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cp = self.dir / "cp"
        lines = ["[bench]"] + [
            f"{h.name} ansible_host={h.address} ansible_port={h.port}" for h in s.hosts
        ]
        (self.dir / "hosts.ini").write_text("\n".join(lines) + "\n")
        (self.dir / "ansible.cfg").write_text(
            "[defaults]\nhost_key_checking = True\ninterpreter_python = /usr/bin/python3\n"
            f"remote_user = deploy\nprivate_key_file = {s.identity}\n"
            f"forks = {min(len(s.hosts), ANSIBLE_MAX_FORKS)}\n"
            "gathering = explicit\nretry_files_enabled = False\nstdout_callback = minimal\n"
            f"local_tmp = {self.dir}/tmp\n"
            "[ssh_connection]\npipelining = True\n"
            "ssh_args = -o ControlMaster=auto -o ControlPersist=300s "
            f"-o UserKnownHostsFile={s.known_hosts} "
            "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes\n"
            f"control_path_dir = {self.cp}\n"
        )
        self.env = {
            **os.environ,
            "ANSIBLE_CONFIG": str(self.dir / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "PATH": str(Path(s.ansible).parent) + os.pathsep + os.environ.get("PATH", ""),
        }

    def _adhoc(self, module: str, arg: str) -> None:
        done = subprocess.run(
            [self.s.ansible, "all", "-i", str(self.dir / "hosts.ini"), "-m", module, "-a", arg],
            capture_output=True,
            text=True,
            env=self.env,
        )
        assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]

    def _stop_masters(self) -> None:
        for sock in self.cp.glob("*") if self.cp.exists() else []:
            subprocess.run(
                ["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "x"], capture_output=True
            )

    def open(self) -> None:
        self._adhoc("command", "true")

    def cold(self) -> None:
        self._stop_masters()
        self._adhoc("command", "true")
        self._stop_masters()

    def playbook(self) -> None:
        for _ in range(self.steps):
            self._adhoc("command", "true")

    def census_round(self) -> None:
        self._adhoc("shell", self.s.census_text)

    def close(self) -> None:
        self._stop_masters()


class PyInfra(Client):
    """pyinfra's own operation loop through its Python API, on connections opened once: each step
    is one `server.shell` operation run on every host (gevent, PARALLEL = the host count), with
    pyinfra's barrier after each, exactly as `run_ops` runs a deploy file's operations. The API,
    not the CLI, so its start-up and connect are not counted in the playbook figure."""

    steps = SLOW_STEPS

    def __init__(self, s: Setup):
        self.s, self.state, self.n = s, None, 0

    def _state(self):
        from pyinfra.api import Config, Inventory, State
        from pyinfra.api.connect import connect_all

        data = {
            "ssh_user": "deploy",
            "ssh_key": self.s.identity,
            "ssh_known_hosts_file": self.s.known_hosts,
            "ssh_strict_host_key_checking": "yes",
        }
        hosts = [
            (h.name, {"ssh_hostname": h.address, "ssh_port": h.port, **data}) for h in self.s.hosts
        ]
        state = State(Inventory((hosts, {})), Config(PARALLEL=len(hosts)))
        connect_all(state)
        missing = [
            h.name
            for h in self.s.hosts
            if state.inventory.get_host(h.name) not in state.activated_hosts
        ]
        assert not missing, f"pyinfra could not connect to {missing[:5]}"
        return state

    def _ops(self, state, commands: list[str]) -> None:
        """Add one operation per command and run just those, each a barrier across hosts."""
        from pyinfra.api.operation import add_op
        from pyinfra.api.operations import _run_single_op
        from pyinfra.context import ctx_state
        from pyinfra.operations import server

        before = set(state.get_op_order())
        for text in commands:
            self.n += 1
            add_op(state, server.shell, name=f"op{self.n}", commands=[text])
        state.is_executing = True
        try:
            with ctx_state.use(state):
                for op in [o for o in state.get_op_order() if o not in before]:
                    _run_single_op(state, op)  # what run_ops does per operation
        finally:
            state.is_executing = False
        assert not state.failed_hosts, (
            f"pyinfra: failed on {sorted(map(str, state.failed_hosts))[:5]}"
        )

    def open(self) -> None:
        self.state = self._state()

    def cold(self) -> None:
        from pyinfra.api.connect import disconnect_all

        state = self._state()
        try:
            self._ops(state, ["true"])
        finally:
            disconnect_all(state)

    def playbook(self) -> None:
        self._ops(self.state, ["true"] * self.steps)

    def census_round(self) -> None:
        self._ops(self.state, [self.s.census_text])

    def close(self) -> None:
        if self.state is not None:
            from pyinfra.api.connect import disconnect_all

            disconnect_all(self.state)
