"""The clients under test, each able to run workloads 1-3 on the same hosts and commands.

deploytool goes through its real code: the inventory loader, a Context, run_steps() and
Context.each for the playbook, drain/census.CensusSource for the census. The baselines are what a
team could use instead: a bare asyncssh loop (the fastest fan-out measured in issue 8) and
OpenSSH with ControlMaster driven by `xargs -P` (clients_ssh.py), Ansible ad-hoc with pipelining
and pyinfra's operation loop (clients_tools.py). Every client verifies host keys against the same
known_hosts file. A client runs `steps` playbook steps per repetition (the slow tools fewer:
their figures are per step).
"""

from __future__ import annotations

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
    ansible: str = "ansible"  # the baselines' venv's (benchmarks/baselines.py)


class Client:
    """workload 1: cold(); 2: playbook() on open connections; 3: census_round() on open ones."""

    steps = STEPS  # playbook steps per repetition

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
    def __init__(self, s: Setup, transport: str, watch: bool = False, runner: bool = False):
        from deploytool.config import load_inventory

        self.s, self.transport_name = s, transport
        self.use_watch, self.watch = (
            watch,
            None,
        )  # workload 3 through CensusSource's watchers
        self.inv = load_inventory(Path(s.inventory) / f"inventory-{transport}.yml")
        if runner:  # every command through one persistent runner per host (ssh.runner)
            from dataclasses import replace

            stage = self.inv.stages["bench"]
            stage = replace(stage, ssh=replace(stage.ssh, runner="persistent"))
            self.inv = replace(self.inv, stages={**self.inv.stages, "bench": stage})
        self.ctx = None

    def _context(self):
        from deploytool.events import Bus
        from deploytool.fanout import Fanout, pool_size
        from deploytool.pipeline import Context
        from deploytool.transport import open_transport

        stage = self.inv.stages["bench"]
        t = open_transport(stage.ssh)
        t.marker = "bench0000"  # a real ship tags every command: same text, same cost
        return Context(  # the fan-out sized as commands/common.open_stage sizes a ship's
            inventory=self.inv,
            stage=stage,
            playbook=None,
            transport=t,
            bus=Bus(),
            ref="",
            fanout=Fanout(pool_size(len(stage.hosts), stage.ssh.transport)),
        )

    def open(self) -> None:
        from deploytool.shell import cmd

        self.ctx = self._context()
        self.ctx.each("connect", lambda h: self.ctx.run(h, cmd("true"), "connect"))
        if self.ctx.stage.ssh.runner == "persistent":  # measure the runner, never its fallback
            missing = self.ctx.transport.runners.unavailable
            assert not missing, f"no runner on {len(missing)} hosts: {next(iter(missing.items()))}"
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


def make(name: str, s: Setup) -> Client:
    if name.startswith("deploytool"):
        transport, _, probe = (name.partition(":")[2] or "fabric").partition("+")
        return Deploytool(s, transport, watch=probe == "watch", runner=probe == "runner")
    if name in ("asyncssh", "openssh"):
        from .clients_ssh import BareAsyncSSH, OpenSSH

        return {"asyncssh": BareAsyncSSH, "openssh": OpenSSH}[name](s)
    from .clients_tools import Ansible, PyInfra

    return {"ansible": Ansible, "pyinfra": PyInfra}[name](s)
