"""The clients under test, each able to run workloads 1-3 on the same hosts and commands.

deploytool goes through its real code: the inventory loader, a Context, run_steps() and
Context.each for the playbook, drain/census.CensusSource for the census. The baselines are what a
team could use instead: a bare asyncssh loop (the fastest fan-out measured in issue 8),
OpenSSH with ControlMaster driven by `xargs -P`, and Ansible ad-hoc with pipelining.
Every client verifies host keys against the same known_hosts file.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

STEPS = 8


@dataclass(frozen=True)
class Target:
    name: str
    address: str
    port: int


@dataclass(frozen=True)
class Setup:
    """What every client gets: the hosts and the lab's SSH material."""

    hosts: tuple[Target, ...]
    identity: str
    known_hosts: str
    ssh_config: str
    inventory: str  # dir of deploytool inventories for these hosts, inventory-<transport>.yml
    workdir: str  # scratch space (control sockets, ansible files)
    census_text: str  # the rendered census command, the same for every client


class Client:
    """workload 1: cold(); 2: playbook() on open connections; 3: census_round() on open ones."""

    def open(self) -> None: ...
    def cold(self) -> None: ...
    def playbook(self) -> None: ...
    def census_round(self) -> None: ...
    def close(self) -> None: ...

    def helper_cpu(self) -> float:
        """CPU seconds of helper processes that are not our reaped children (ssh masters)."""
        return 0.0


# ----------------------------------------------------------------------------------- deploytool
class Deploytool(Client):
    def __init__(self, s: Setup, transport: str, watch: bool = False):
        from deploytool.config import load_inventory

        self.s, self.transport_name = s, transport
        self.use_watch, self.watch = (
            watch,
            None,
        )  # workload 3 through CensusSource's watchers
        self.inv = load_inventory(Path(s.inventory) / f"inventory-{transport}.yml")
        self.ctx = None

    def _context(self):
        from deploytool.events import Bus
        from deploytool.pipeline import Context
        from deploytool.transport import open_transport

        stage = self.inv.stages["bench"]
        t = open_transport(stage.ssh)
        t.marker = "bench0000"  # a real ship tags every command: same text, same cost
        return Context(
            inventory=self.inv, stage=stage, playbook=None, transport=t, bus=Bus(), ref=""
        )

    def open(self) -> None:
        from deploytool.shell import cmd

        self.ctx = self._context()
        self.ctx.each("connect", lambda h: self.ctx.run(h, cmd("true"), "connect"))
        if self.use_watch:
            from deploytool.drain.census import CensusSource

            self.watch = CensusSource(self.ctx, lifetime=600)

    def cold(self) -> None:
        from deploytool.shell import cmd

        ctx = self._context()
        try:
            ctx.each("connect", lambda h: ctx.run(h, cmd("true"), "connect"))
        finally:
            ctx.transport.close()

    def playbook(self) -> None:
        from deploytool.config.model import StepSpec
        from deploytool.pipeline import run_steps
        from deploytool.shell import cmd

        def noop(ctx, options):
            name = str(options["name"])
            ctx.each(name, lambda h: ctx.run(h, cmd("true"), name))
            return ""

        specs = [StepSpec(f"noop{i}", {"name": f"noop{i}"}) for i in range(STEPS)]
        run_steps(self.ctx, specs, {sp.name: noop for sp in specs})

    def census_round(self) -> None:
        if self.watch is not None:
            got = self.watch.round()
        else:
            from deploytool.drain.census import CensusSource

            got = CensusSource(self.ctx, watch=False).round()
        missing = [h.name for h in self.s.hosts if not (h.name in got and got[h.name].workers)]
        assert not missing, f"no census from {missing}" + (
            f": {self.watch.lost}" if self.watch else ""
        )

    def close(self) -> None:
        if self.watch is not None:
            self.watch.close()
        if self.ctx is not None:
            self.ctx.transport.close()


# ----------------------------------------------------------------------------------- asyncssh
class BareAsyncSSH(Client):
    """The floor: one event loop, asyncio.gather over conn.run() on every host."""

    def __init__(self, s: Setup):
        import asyncssh

        self.s, self.asyncssh = s, asyncssh
        self.loop = asyncio.new_event_loop()
        self.conns: list = []

    async def _connect(self):
        a = self.asyncssh
        key = [a.read_private_key(self.s.identity)]
        return await asyncio.gather(
            *(
                a.connect(
                    h.address,
                    h.port,
                    username="deploy",
                    client_keys=key,
                    known_hosts=self.s.known_hosts,
                    config=None,
                    agent_path=None,
                )
                for h in self.s.hosts
            )
        )

    async def _fan(self, conns, text: str):
        res = await asyncio.gather(*(c.run(text) for c in conns))
        assert all(r.exit_status == 0 for r in res), [r.stderr for r in res if r.exit_status]
        return res

    def open(self) -> None:
        self.conns = self.loop.run_until_complete(self._connect())

    def cold(self) -> None:
        async def go():
            conns = await self._connect()
            await self._fan(conns, "true")
            for c in conns:
                c.close()
            await asyncio.gather(*(c.wait_closed() for c in conns))

        self.loop.run_until_complete(go())

    def playbook(self) -> None:
        async def go():
            for _ in range(STEPS):
                await self._fan(self.conns, "true")

        self.loop.run_until_complete(go())

    def census_round(self) -> None:
        self.loop.run_until_complete(self._fan(self.conns, self.s.census_text))

    def close(self) -> None:
        for c in self.conns:
            c.close()
        self.loop.close()


# ----------------------------------------------------------------------------------- OpenSSH
class OpenSSH(Client):
    """OpenSSH with one ControlMaster per host; each step is `xargs -P N ssh -S sock host CMD`."""

    def __init__(self, s: Setup):
        self.s = s
        self.ctl = Path(s.workdir) / "ctl"
        self.ctl.mkdir(parents=True, exist_ok=True)
        self.masters: list[subprocess.Popen] = []

    def _ssh(self, *extra: str) -> list[str]:
        return ["ssh", "-F", self.s.ssh_config, *extra]

    def _xargs(self, text: str, master: bool) -> None:
        opts = (
            ["-o", f"ControlPath={self.ctl}/%n"]
            if master
            else ["-o", "ControlMaster=no", "-o", "ControlPath=none"]
        )
        names = "\n".join(h.name for h in self.s.hosts) + "\n"
        argv = ["xargs", "-P", str(len(self.s.hosts)), "-I{}", *self._ssh(*opts), "{}", text]
        done = subprocess.run(argv, input=names, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]

    def open(self) -> None:
        for h in self.s.hosts:
            self.masters.append(
                subprocess.Popen(
                    self._ssh(
                        "-M",
                        "-N",
                        "-o",
                        f"ControlPath={self.ctl}/%n",
                        "-o",
                        "ControlPersist=no",
                        h.name,
                    ),
                    stdin=subprocess.DEVNULL,
                )
            )
        deadline = time.monotonic() + 60
        for h in self.s.hosts:
            while (
                subprocess.run(
                    self._ssh("-o", f"ControlPath={self.ctl}/%n", "-O", "check", h.name),
                    capture_output=True,
                ).returncode
                != 0
            ):
                assert time.monotonic() < deadline, f"no ControlMaster for {h.name}"
                time.sleep(0.05)

    def cold(self) -> None:
        self._xargs("true", master=False)

    def playbook(self) -> None:
        for _ in range(STEPS):
            self._xargs("true", master=True)

    def census_round(self) -> None:
        self._xargs(self.s.census_text, master=True)

    def helper_cpu(self) -> float:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for p in self.masters:
            try:
                f = Path(f"/proc/{p.pid}/stat").read_text()
                rest = f[f.rindex(")") + 2 :].split()
                total += int(rest[11]) + int(rest[12])
            except FileNotFoundError:
                pass
        return total / tick

    def close(self) -> None:
        for p in self.masters:
            p.terminate()
        for p in self.masters:
            p.wait(10)


# ----------------------------------------------------------------------------------- Ansible
class Ansible(Client):
    """`ansible all -m command -a CMD -f N` with pipelining and ControlPersist (Ansible's defaults
    plus pipelining): one invocation per step, like an ad-hoc run or a play with a barrier."""

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
            f"remote_user = deploy\nprivate_key_file = {s.identity}\nforks = {len(s.hosts)}\n"
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
        }

    def _adhoc(self, module: str, arg: str) -> None:
        done = subprocess.run(
            ["ansible", "all", "-i", str(self.dir / "hosts.ini"), "-m", module, "-a", arg],
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
        for _ in range(STEPS):
            self._adhoc("command", "true")

    def census_round(self) -> None:
        self._adhoc("shell", self.s.census_text)

    def close(self) -> None:
        self._stop_masters()


def make(name: str, s: Setup) -> Client:
    if name.startswith("deploytool"):
        transport, _, probe = (name.partition(":")[2] or "fabric").partition("+")
        return Deploytool(s, transport, watch=probe == "watch")
    return {"asyncssh": BareAsyncSSH, "openssh": OpenSSH, "ansible": Ansible}[name](s)
