"""SSH transport on Fabric: one connection per host, reused for the whole ship.

The only module that imports fabric/paramiko. Host keys are checked against the stage's
known_hosts file only (Fabric auto-accepts unknown keys by default; we reject them), and a
changed key fails too, before any command runs on that host.
"""
from __future__ import annotations

import os
import socket
import threading
import time

import paramiko
from fabric import Config, Connection
from invoke.exceptions import CommandTimedOut, UnexpectedExit

from ..config.model import Host, SSHSettings
from ..errors import HostKeyError, UnreachableError
from ..shell import Command, render, with_marker
from .base import Result


def _client_setup(conn: Connection, known_hosts: str) -> None:
    conn.client.set_missing_host_key_policy(paramiko.RejectPolicy())
    path = os.path.expanduser(known_hosts)
    if os.path.exists(path):
        conn.client.load_host_keys(path)


def _parse_jump(spec: str, default_user: str) -> tuple[str, str, int]:
    user, _, rest = spec.rpartition("@")
    host, _, port = rest.partition(":")
    return (user or default_user), host, int(port or 22)


class SSHTransport:
    def __init__(self, ssh: SSHSettings):
        self.ssh = ssh
        self._conns: dict[str, Connection] = {}
        self._lock = threading.Lock()
        self.marker = ""   # set per session: tags our remote processes (see stopper.py)
        self._config = Config(overrides={"load_ssh_configs": False, "run": {"hide": True, "warn": True}})

    def _connection(self, host: Host) -> Connection:
        with self._lock:
            conn = self._conns.get(host.name)
            if conn is None:
                kwargs = {"allow_agent": False, "look_for_keys": False, "banner_timeout": self.ssh.connect_timeout,
                          "auth_timeout": self.ssh.connect_timeout}
                if self.ssh.identity_file:
                    kwargs["key_filename"] = os.path.expanduser(self.ssh.identity_file)
                gateway = None
                if self.ssh.jump_host:
                    juser, jhost, jport = _parse_jump(self.ssh.jump_host, self.ssh.user)
                    gateway = Connection(jhost, user=juser, port=jport, config=self._config,
                                         connect_kwargs=dict(kwargs), connect_timeout=int(self.ssh.connect_timeout) or 1)
                    _client_setup(gateway, self.ssh.known_hosts)
                conn = Connection(host.address, user=host.user or self.ssh.user, port=host.port, config=self._config,
                                  connect_kwargs=kwargs, connect_timeout=max(1, int(self.ssh.connect_timeout)),
                                  gateway=gateway)
                _client_setup(conn, self.ssh.known_hosts)
                self._conns[host.name] = conn
            return conn

    def connect(self, host: Host) -> None:
        conn = self._connection(host)
        if conn.is_connected:
            return
        where = f"{host.address}:{host.port}"
        try:
            conn.open()
            # A keepalive lets a blackholed connection fail instead of hanging forever.
            conn.transport.set_keepalive(5)
        except paramiko.BadHostKeyException:
            raise HostKeyError(host.name, "connect", f"the host key of {where} has CHANGED since it was recorded in "
                               f"{self.ssh.known_hosts}", "if the host was rebuilt on purpose, replace its line "
                               "in known_hosts; otherwise treat this as an attack") from None
        except paramiko.SSHException as e:
            if "not found in known_hosts" in str(e):
                raise HostKeyError(host.name, "connect", f"the host key of {where} is not in {self.ssh.known_hosts}",
                                   f"verify the key and add it: ssh-keyscan -p {host.port} {host.address} >> "
                                   f"{self.ssh.known_hosts}") from None
            raise UnreachableError(host.name, "connect", f"SSH to {where} failed: {e}") from None
        except (socket.timeout, TimeoutError):
            raise UnreachableError(host.name, "connect", f"SSH to {where} timed out after "
                                   f"{self.ssh.connect_timeout:g}s") from None
        except OSError as e:
            raise UnreachableError(host.name, "connect", f"SSH to {where} failed: {e.strerror or e}") from None

    def run(self, host: Host, command: Command, *, timeout: float, step: str = "", marked: bool = True) -> Result:
        self.connect(host)
        conn = self._connection(host)
        text = render(command)
        if marked and self.marker:
            text = with_marker(text, self.marker)
        start = time.monotonic()
        try:
            r = conn.run(text, timeout=max(1, int(timeout)), in_stream=False)
        except CommandTimedOut:
            conn.close()  # the channel may be wedged; a later command reconnects
            raise UnreachableError(host.name, step or "run", f"command timed out after {timeout:g}s") from None
        except UnexpectedExit as e:  # pragma: no cover - warn=True makes this rare
            r = e.result
        except (paramiko.SSHException, OSError, EOFError) as e:
            conn.close()
            raise UnreachableError(host.name, step or "run", f"connection lost: {e or type(e).__name__}") from None
        return Result(host.name, r.exited if r.exited is not None else -1, r.stdout, r.stderr,
                      time.monotonic() - start)

    def close(self) -> None:
        with self._lock:
            conns, self._conns = list(self._conns.values()), {}
        for c in conns:
            try:
                c.close()
                if c.gateway is not None and hasattr(c.gateway, "close"):
                    c.gateway.close()
            except Exception:  # closing is best effort on every exit path
                pass
