"""The SSH baselines: a bare asyncssh loop (the floor) and OpenSSH ControlMaster with xargs -P."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

from .clients import STEPS, Client, Setup


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
