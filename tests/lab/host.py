"""One lab host: a PID + mount + UTS namespace whose PID 1 is supervisord.

supervisord runs the host's programs (supervisor_conf.py): `sshd` (the host's own daemon on
127.20.0.N:2222), the web tier (php-fpm and nginx, web_conf.py) and, on demand, the Laravel
queue workers, scheduler and daemon. Before exec'ing supervisord, a small sh wrapper gives the
host its own view of the filesystem with bind mounts:

    <root>/hosts/hN/app  ->  /var/www/app     (the host's deploy path)
    <root>/hosts/hN/run  ->  /run             (sshd privsep dir, supervisor socket + conf)
    <root>/hosts/hN/tmp  ->  /tmp
    <root>/hosts/hN/etc_hosts -> /etc/hosts     (localhost and hN)
    <root>/hosts/hN/etc/nginx -> /etc/nginx, <root>/hosts/hN/etc/php-fpm -> /etc/php/8.2/fpm
    /run/supervisord.conf -> /etc/supervisor/supervisord.conf (plain `supervisorctl` works)

and sets the hostname. Because /proc is remounted for the new PID namespace, `ps` on a
host shows only that host's processes. Killing PID 1 of the namespace makes the kernel
kill every process inside it, which is what makes teardown reliable.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .procs import ProcRef, children, wait_until

DEPLOY_PATH = "/var/www/app"
SUPERVISOR_CONF = "/run/supervisord.conf"  # inside the host
SUPERVISOR_SOCK = "/run/supervisor.sock"
DEBIAN_SUPERVISOR_CONF = "/etc/supervisor/supervisord.conf"  # where supervisorctl looks by default
DEPLOY_USER = "deploy"
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class HostSpec:
    """What a host is, before and independent of it running."""

    index: int
    address: str
    port: int
    root: Path  # the lab root
    workers: int

    @property
    def name(self) -> str:
        return f"h{self.index}"

    @property
    def dir(self) -> Path:
        return self.root / "hosts" / self.name

    @property
    def app_dir(self) -> Path:
        """The host's /var/www/app, as seen from outside the namespace."""
        return self.dir / "app"

    @property
    def run_dir(self) -> Path:
        return self.dir / "run"

    @property
    def tmp_dir(self) -> Path:
        return self.dir / "tmp"

    @property
    def log_dir(self) -> Path:
        return self.dir / "log"

    @property
    def host_key(self) -> Path:
        return self.dir / "ssh_host_ed25519_key"

    @property
    def sshd_config(self) -> Path:
        return self.dir / "sshd_config"

    @property
    def boot_script(self) -> Path:
        return self.dir / "boot.sh"


def sshd_config_text(spec: HostSpec, authorized_keys: Path) -> str:
    return (
        f"# sshd of lab host {spec.name}\n"
        f"ListenAddress {spec.address}:{spec.port}\n"
        f"HostKey {spec.host_key}\n"
        f"AuthorizedKeysFile {authorized_keys}\n"
        "AllowUsers deploy\n"
        # The key file lives in the root-owned lab dir, not in ~deploy/.ssh.
        "StrictModes no\n"
        # Without PAM, sshd refuses a locked account ('!' in shadow): the lab sets '*'.
        "UsePAM no\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PermitRootLogin no\n"
        "PrintMotd no\n"
        "PrintLastLog no\n"
        "PidFile /run/sshd.pid\n"
        "Subsystem sftp internal-sftp\n"
        "MaxStartups 50:30:100\n"
        "MaxSessions 20\n"
    )


def etc_hosts_text(spec: HostSpec) -> str:
    return (
        f"127.0.0.1\tlocalhost\n{spec.address}\t{spec.name}\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
    )


def boot_script_text(spec: HostSpec, extra: Sequence[str] = ()) -> str:
    """The sh script that becomes the host's PID 1; `extra` lines run after the mounts (the
    web tier's, from web_conf.boot_lines)."""
    q = shlex.quote
    lines = [
        "#!/bin/sh",
        f"# PID 1 of lab host {spec.name}: private mounts and hostname, then supervisord.",
        "set -eu",
        f"mount --bind {q(str(spec.app_dir))} {DEPLOY_PATH}",
        f"mount --bind {q(str(spec.run_dir))} /run",
    ]
    try:
        inside_tmp = spec.root.resolve().relative_to("/tmp")
    except ValueError:
        inside_tmp = None
    if inside_tmp is not None:
        # The lab root (origin.git, keys, configs) lives under /tmp, which the host's own
        # /tmp is about to hide: mount the root back at its own path inside the new /tmp.
        again = spec.tmp_dir / inside_tmp
        lines += [
            f"mkdir -p {q(str(again))}",
            f"mount --bind {q(str(spec.root.resolve()))} {q(str(again))}",
            f"mount --rbind {q(str(spec.tmp_dir))} /tmp",
        ]
    else:
        lines.append(f"mount --bind {q(str(spec.tmp_dir))} /tmp")
    lines += [
        # Debian's default config path too, so a plain `supervisorctl status` works on a host.
        (
            f"if [ -f {DEBIAN_SUPERVISOR_CONF} ]; then mount --bind {SUPERVISOR_CONF} "
            f"{DEBIAN_SUPERVISOR_CONF}; fi"
        ),
        f"mount --bind {q(str(spec.dir / 'etc_hosts'))} /etc/hosts",
        "mkdir -p /run/sshd && chmod 0755 /run/sshd",
        *extra,
        f"hostname {spec.name}",
        f"exec /usr/bin/supervisord -n -c {SUPERVISOR_CONF}",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Running:
    """A started host: the unshare process and the namespace's PID 1 (supervisord)."""

    unshare: ProcRef
    init: ProcRef
    pidns: str  # e.g. 'pid:[4026532301]', to find anything left inside


def start(spec: HostSpec) -> tuple[subprocess.Popen, ProcRef]:
    """Launch the namespace; returns at once (see wait_started)."""
    log = open(spec.log_dir / "boot.log", "ab")
    with log:
        # --kill-child: if unshare itself dies, its child (the namespace's PID 1) is killed.
        proc = subprocess.Popen(
            [
                "unshare",
                "--pid",
                "--fork",
                "--kill-child",
                "--mount-proc",
                "--mount",
                "--uts",
                "--",
                "/bin/sh",
                str(spec.boot_script),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "HOME": "/root"},
        )
    return proc, ProcRef.of(proc.pid)


def wait_started(
    spec: HostSpec, proc: subprocess.Popen, unshare: ProcRef, timeout: float
) -> Running:
    """Wait until the host's sshd answers with an SSH banner and supervisord's socket exists."""

    def check_alive() -> None:
        if proc.poll() is not None:
            raise RuntimeError(
                f"host {spec.name} exited with {proc.returncode} while starting; "
                f"see {spec.log_dir}/boot.log and supervisord.log:\n"
                f"{_tail(spec.log_dir / 'boot.log')}"
            )

    def init_pid() -> int | None:
        check_alive()
        kids = children(unshare.pid)
        return kids[0] if kids else None

    init = ProcRef.of(wait_until(init_pid, timeout, f"{spec.name}'s namespace init"))

    def ready() -> bool:
        check_alive()
        return (spec.run_dir / "supervisor.sock").exists() and ssh_banner(spec.address, spec.port)

    wait_until(ready, timeout, f"{spec.name}'s sshd on {spec.address}:{spec.port}")
    return Running(unshare=unshare, init=init, pidns=os.readlink(f"/proc/{init.pid}/ns/pid"))


def ssh_banner(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=1) as s:
            s.settimeout(1)
            return s.recv(64).startswith(b"SSH-2.0")
    except OSError:
        return False


def in_namespace(
    init_pid: int,
    argv: list[str],
    user: str = DEPLOY_USER,
    cwd: str = "/",
    env: dict[str, str] | None = None,
) -> list[str]:
    """argv that runs `argv` inside a host's namespaces as `user`, from `cwd`.

    nsenter --wd would resolve the directory before entering the mount namespace, so the
    `cd` happens after entering, in a tiny sh prologue.
    """
    home = "/root" if user == "root" else f"/home/{user}"
    base_env = {"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "HOME": home, "USER": user, "LOGNAME": user}
    base_env.update(env or {})
    become = (
        []
        if user == "root"
        else ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--"]
    )
    return [
        "nsenter",
        "-t",
        str(init_pid),
        "-p",
        "-m",
        "-u",
        "--",
        *become,
        "env",
        "-i",
        *(f"{k}={v}" for k, v in base_env.items()),
        "/bin/sh",
        "-c",
        'cd "$0" && exec "$@"',
        cwd,
        *argv,
    ]


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
