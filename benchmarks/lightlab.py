"""The light lab: N hosts that are only an sshd in a PID + mount namespace, for fan-out benchmarks.

Each host hN is `unshare --pid --mount` whose PID 1 is `sshd -D` on 127.30.X.Y:2230, with the
host's own /run and /var/www/app bind-mounted (so `ps` and the worker census see only that host),
and M fake "workers": `sleep 3600` renamed `php /var/www/app/current/artisan queue:work` running
as deploy from /var/www/app/current (= releases/r1), so the census has something to find.
No supervisord, no PHP, no Redis: 100 hosts start in a few seconds and cost ~5 MB each.

The host layout, sshd config, SSH material and process handling are tests/lab's (imported, not
copied); what differs is the boot script. Every process is remembered by pid and start time in
<root>/state.json and stopped by pid (killing a namespace's PID 1 kills everything inside it).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.lab import sshkeys
from tests.lab.build import ensure_deploy_user
from tests.lab.host import (
    CLEAN_PATH,
    DEPLOY_PATH,
    DEPLOY_USER,
    HostSpec,
    ssh_banner,
    sshd_config_text,
)
from tests.lab.prerequisites import check_prerequisites
from tests.lab.procs import ProcRef, children, in_pid_namespaces, stop_all, wait_until

DEFAULT_ROOT = Path("/tmp/dt-bench-light")
PREFIX = "127.30"  # 127.30.0.1 .. 127.30.0.250, 127.30.1.1 ...: no other lab uses it
PORT = 2230
WORKER_ARGV0 = "php /var/www/app/current/artisan queue:work"
RELEASE = "r1"


def address(prefix: str, index: int) -> str:
    return f"{prefix}.{(index - 1) // 250}.{(index - 1) % 250 + 1}"


def boot_script_text(spec: HostSpec) -> str:
    q = shlex.quote
    worker = f"cd {DEPLOY_PATH}/current && exec -a {q(WORKER_ARGV0)} sleep 3600"
    become = f"setpriv --reuid={DEPLOY_USER} --regid={DEPLOY_USER} --init-groups --"
    return (
        "\n".join(
            [
                "#!/bin/sh",
                (
                    f"# PID 1 of light bench host {spec.name}: private /run and deploy path, fake "
                    "workers, then sshd."
                ),
                "set -eu",
                f"mount --bind {q(str(spec.app_dir))} {DEPLOY_PATH}",
                f"mount --bind {q(str(spec.run_dir))} /run",
                "mkdir -p /run/sshd && chmod 0755 /run/sshd",
                *[f"{become} bash -c {q(worker)} &" for _ in range(spec.workers)],
                f"exec /usr/sbin/sshd -D -e -f {q(str(spec.sshd_config))}",
            ]
        )
        + "\n"
    )


@dataclass(frozen=True)
class Node:
    spec: HostSpec
    unshare: ProcRef
    init: ProcRef
    pidns: str


class LightLab:
    def __init__(
        self,
        hosts: int,
        root: Path = DEFAULT_ROOT,
        prefix: str = PREFIX,
        port: int = PORT,
        workers: int = 2,
    ):
        self.root, self.n, self.prefix, self.port, self.workers = (
            Path(root),
            hosts,
            prefix,
            port,
            workers,
        )
        self.nodes: list[Node] = []

    # -- files for clients ---------------------------------------------------------------------
    identity = property(lambda self: self.root / "id_ed25519")
    known_hosts = property(lambda self: self.root / "known_hosts")
    ssh_config = property(lambda self: self.root / "ssh_config")
    authorized_keys = property(lambda self: self.root / "authorized_keys")

    def specs(self) -> list[HostSpec]:
        return [
            HostSpec(i, address(self.prefix, i), self.port, self.root, self.workers)
            for i in range(1, self.n + 1)
        ]

    def inventory(self, transport: str | None = None, poll: str = "0.5s") -> dict:
        ssh = {
            "user": DEPLOY_USER,
            "identity_file": str(self.identity),
            "known_hosts": str(self.known_hosts),
            "connect_timeout": "10s",
        }
        if transport:
            ssh["transport"] = transport
        return {
            "application": {
                "name": "bench",
                "repository": "/nonexistent.git",
                "deploy_path": DEPLOY_PATH,
                "workers": {"pattern": "artisan queue:work", "user": DEPLOY_USER},
                "drain": {"deadline": "1m", "poll": poll},
            },
            "stages": {
                "bench": {
                    "ssh": ssh,
                    "hosts": [
                        {
                            "address": s.address,
                            "port": s.port,
                            "name": s.name,
                            **({"migrate": True} if s.index == 1 else {}),
                        }
                        for s in self.specs()
                    ],
                }
            },
        }

    # -- lifecycle -----------------------------------------------------------------------------
    def up(self, timeout: float = 60) -> LightLab:
        check_prerequisites()
        self.root.mkdir(parents=True, exist_ok=True)
        self.stop_leftovers()
        ensure_deploy_user()
        specs = self.specs()
        busy = [s.address for s in specs if ssh_banner(s.address, s.port)]
        if busy:
            raise RuntimeError(
                f"something already answers on {busy[0]}:{self.port}; is another bench running?"
            )
        self._write_files(specs)
        launched = []
        try:
            for s in specs:
                log = open(s.dir / "boot.log", "ab")
                with log:
                    proc = subprocess.Popen(
                        [
                            "unshare",
                            "--pid",
                            "--fork",
                            "--kill-child",
                            "--mount-proc",
                            "--mount",
                            "--",
                            "/bin/sh",
                            str(s.boot_script),
                        ],
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        env={"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "HOME": "/root"},
                    )
                launched.append((s, proc, ProcRef.of(proc.pid)))
            for s, proc, ref in launched:
                kid = wait_until(
                    lambda ref=ref, proc=proc, s=s: (
                        children(ref.pid) or (proc.poll() is not None and _fail(s))
                    ),
                    timeout,
                    f"{s.name}'s namespace init",
                )[0]
                init = ProcRef.of(kid)
                self.nodes.append(Node(s, ref, init, os.readlink(f"/proc/{kid}/ns/pid")))
                self._save()
            for s, proc, _ in launched:
                wait_until(
                    lambda s=s, proc=proc: (
                        ssh_banner(s.address, s.port) or (proc.poll() is not None and _fail(s))
                    ),
                    timeout,
                    f"{s.name}'s sshd",
                )
        except BaseException:
            self.down()
            stop_all([ref for _, _, ref in launched], 5)
            raise
        finally:
            for _, proc, _ in launched:
                proc.poll()
        return self

    def down(self) -> list[ProcRef]:
        """Stop every host by pid (its PID 1, then unshare, then anything left in its namespace)."""
        namespaces = {n.pidns for n in self.nodes}
        left = stop_all([n.init for n in self.nodes], 5)
        left += stop_all([n.unshare for n in self.nodes], 5)
        left += stop_all(in_pid_namespaces(namespaces), 2) if namespaces else []
        self.nodes = []
        (self.root / "state.json").unlink(missing_ok=True)
        return left

    def stop_leftovers(self) -> None:
        """A bench killed before its teardown left hosts behind: stop them by their recorded
        pids."""
        try:
            data = json.loads((self.root / "state.json").read_text())
        except FileNotFoundError:
            return
        refs = [ProcRef.from_json(n[k]) for n in data["nodes"] for k in ("init", "unshare")]
        stop_all(refs, 5)
        stop_all(in_pid_namespaces({n["pidns"] for n in data["nodes"]}), 2)
        (self.root / "state.json").unlink(missing_ok=True)

    def __enter__(self) -> LightLab:
        return self.up()

    def __exit__(self, *exc) -> None:
        left = self.down()
        if left:
            raise RuntimeError(f"light lab processes survived: {[r.pid for r in left]}")

    # -- internals -----------------------------------------------------------------------------
    def _save(self) -> None:
        nodes = [
            {
                "name": n.spec.name,
                "init": n.init.to_json(),
                "unshare": n.unshare.to_json(),
                "pidns": n.pidns,
            }
            for n in self.nodes
        ]
        (self.root / "state.json").write_text(json.dumps({"nodes": nodes}, indent=1))

    def _write_files(self, specs: list[HostSpec]) -> None:
        sshkeys.keygen(self.identity, "deploytool-bench")
        self.authorized_keys.write_text(sshkeys.public_key(self.identity) + " deploytool-bench\n")
        self.authorized_keys.chmod(0o644)
        for s in specs:
            for d in (s.run_dir, s.app_dir / "releases" / RELEASE):
                d.mkdir(parents=True, exist_ok=True)
            sshkeys.keygen(
                s.host_key, f"bench-{s.name}"
            )  # kept across runs: keygen is the slow part
            current = s.app_dir / "current"
            if not current.is_symlink():
                current.symlink_to(f"{DEPLOY_PATH}/releases/{RELEASE}")
            subprocess.run(
                ["chown", "-R", f"{DEPLOY_USER}:{DEPLOY_USER}", str(s.app_dir)], check=True
            )
            # Quiet sshd: a log line per connection would be part of what we measure.
            s.sshd_config.write_text(sshd_config_text(s, self.authorized_keys) + "LogLevel ERROR\n")
            s.boot_script.write_text(boot_script_text(s))
        self.known_hosts.write_text(sshkeys.known_hosts_text((s, s.host_key) for s in specs))
        self.ssh_config.write_text(sshkeys.ssh_config_text(specs, self.identity, self.known_hosts))
        Path(DEPLOY_PATH).mkdir(parents=True, exist_ok=True)  # the bind mount's target


def _fail(spec: HostSpec) -> bool:
    tail = (spec.dir / "boot.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"light host {spec.name} exited while starting:\n{tail}")
