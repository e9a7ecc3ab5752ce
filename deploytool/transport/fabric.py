"""SSH transport on Fabric: one connection per host, reused for the whole ship.

The only module that imports fabric/paramiko. Host keys are checked against the stage's
known_hosts file only (Fabric auto-accepts unknown keys by default; we reject them), and a
changed key fails too, before any command runs on that host.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable

import paramiko
from fabric import Config, Connection

from ..config.model import Host, SSHSettings
from ..envelope import wire
from ..errors import UnreachableError
from ..shell import Command
from . import common
from .base import OnProgress, Result


def _client_setup(conn: Connection, known_hosts: str) -> None:
    conn.client.set_missing_host_key_policy(paramiko.RejectPolicy())
    path = os.path.expanduser(known_hosts)
    if os.path.exists(path):
        conn.client.load_host_keys(path)


class FabricTransport:
    def __init__(self, ssh: SSHSettings):
        self.ssh = ssh
        self._conns: dict[str, Connection] = {}
        self._lock = threading.Lock()
        self.marker = ""  # set per session: tags our remote processes (see stopper.py)
        self._config = Config(overrides={"load_ssh_configs": False})
        # at most ssh.max_concurrent_connects handshakes at once (see transport/asyncssh.py)
        self._handshakes = threading.BoundedSemaphore(ssh.max_concurrent_connects)

    def _connection(self, host: Host) -> Connection:
        with self._lock:
            conn = self._conns.get(host.name)
            if conn is None:
                kwargs = {
                    "allow_agent": False,
                    "look_for_keys": False,
                    "banner_timeout": self.ssh.connect_timeout,
                    "auth_timeout": self.ssh.connect_timeout,
                }
                if self.ssh.identity_file:
                    kwargs["key_filename"] = os.path.expanduser(self.ssh.identity_file)
                gateway = None
                if self.ssh.jump_host:
                    juser, jhost, jport = common.parse_jump(self.ssh.jump_host, self.ssh.user)
                    gateway = Connection(
                        jhost,
                        user=juser,
                        port=jport,
                        config=self._config,
                        connect_kwargs=dict(kwargs),
                        connect_timeout=int(self.ssh.connect_timeout) or 1,
                    )
                    _client_setup(gateway, self.ssh.known_hosts)
                conn = Connection(
                    host.address,
                    user=host.user or self.ssh.user,
                    port=host.port,
                    config=self._config,
                    connect_kwargs=kwargs,
                    connect_timeout=max(1, int(self.ssh.connect_timeout)),
                    gateway=gateway,
                )
                _client_setup(conn, self.ssh.known_hosts)
                self._conns[host.name] = conn
            return conn

    def connect(self, host: Host) -> None:
        conn = self._connection(host)
        if conn.is_connected:
            return
        try:
            with self._handshakes:
                conn.open()
            # A keepalive lets a blackholed connection fail instead of hanging forever.
            conn.transport.set_keepalive(5)
        except paramiko.BadHostKeyException:
            raise common.changed_key(host, self.ssh) from None
        except paramiko.SSHException as e:
            if "not found in known_hosts" in str(e):
                raise common.unknown_key(host, self.ssh) from None
            raise common.connect_failed(host, e) from None
        except TimeoutError:
            raise common.connect_timeout(host, self.ssh) from None
        except OSError as e:
            raise common.connect_failed(host, e.strerror or e) from None

    def run(
        self,
        host: Host,
        command: Command,
        *,
        timeout: float,
        step: str = "",
        marked: bool = True,
        on_output: Callable[[str, str], None] | None = None,
    ) -> Result:
        self.connect(host)
        conn = self._connection(host)
        sent = wire(command, self.marker if marked else "")
        start = time.monotonic()
        try:
            code, out, err = _exec(conn.transport, sent.text, timeout, on_output, sent.stdin)
        except _Timeout:
            conn.close()  # the connection may be wedged (a blackhole); a later command reconnects
            raise UnreachableError(
                host.name, step or "run", f"command timed out after {timeout:g}s", timed_out=True
            ) from None
        except (paramiko.SSHException, OSError, EOFError) as e:
            conn.close()
            raise UnreachableError(
                host.name, step or "run", f"connection lost: {e or type(e).__name__}"
            ) from None
        return Result(host.name, code, out, err, time.monotonic() - start)

    def upload(
        self,
        host: Host,
        local: str,
        remote: str,
        *,
        timeout: float,
        step: str = "",
        on_progress: OnProgress | None = None,
    ) -> None:
        """paramiko's SFTP put on the open connection: 32 KiB reads, pipelined writes bounded by
        the channel's window. The deadline is checked after every block and a per-operation socket
        timeout keeps a blackholed host from hanging a read."""
        self.connect(host)
        conn = self._connection(host)
        deadline = time.monotonic() + timeout

        def progress(done: int, total: int) -> None:
            if time.monotonic() > deadline:
                raise _Timeout()
            if on_progress is not None:
                on_progress(done, total)

        try:
            sftp = paramiko.SFTPClient.from_transport(conn.transport)
            try:
                sftp.get_channel().settimeout(min(timeout, 30))
                sftp.put(local, remote, callback=progress, confirm=True)
            finally:
                sftp.close()
        except (_Timeout, TimeoutError):
            conn.close()
            raise common.upload_timeout(host, step, timeout) from None
        except (paramiko.SSHException, EOFError) as e:
            conn.close()
            raise UnreachableError(
                host.name, step or "upload", f"connection lost: {e or type(e).__name__}"
            ) from None
        except OSError as e:
            if not conn.transport.is_active():
                raise UnreachableError(
                    host.name, step or "upload", f"connection lost: {e or type(e).__name__}"
                ) from None
            raise common.upload_refused(host, step, remote, e.strerror or e) from None

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


class _Timeout(Exception):
    pass


def _exec(
    transport: paramiko.Transport,
    text: str,
    timeout: float,
    on_output: Callable[[str, str], None] | None = None,
    stdin: bytes = b"",
) -> tuple[int, str, str]:
    """One command on a new channel of the open connection, with a hard deadline.

    We read the channel ourselves (select on its event pipe) instead of Fabric's runner: its
    reader threads block forever on a blackholed socket, so its timeout never fires, and its
    polling adds ~10 ms per command."""
    deadline = time.monotonic() + timeout
    chan = transport.open_session(timeout=min(timeout, 30))
    try:
        _exec_request(transport, chan, text, deadline)
        if stdin:
            chan.sendall(stdin)  # the command's secrets (envelope.py), never its argv
        chan.shutdown_write()  # then EOF: a command waiting for input gets it at once
        out, err = bytearray(), bytearray()
        lines = _LineSplitter(on_output) if on_output else None
        while True:
            while chan.recv_ready():
                chunk = chan.recv(65536)
                out += chunk
                if lines:
                    lines.feed("stdout", chunk)
            while chan.recv_stderr_ready():
                chunk = chan.recv_stderr(65536)
                err += chunk
                if lines:
                    lines.feed("stderr", chunk)
            # OpenSSH sends all data and EOF before exit-status, so once it is here we are done
            if chan.exit_status_ready() and not chan.recv_ready() and not chan.recv_stderr_ready():
                break
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Timeout()
            select.select([chan], [], [], min(left, 1.0))
        code = chan.recv_exit_status()
        if lines:
            lines.flush()
        if code == -1:
            # No exit status: the command was killed by a signal (OpenSSH sends exit-signal), or
            # the connection died. Paramiko closes the channels just before it marks the
            # transport inactive, so give that a moment to show before deciding which.
            settle = time.monotonic() + 1.0
            while transport.is_active() and time.monotonic() < settle:
                time.sleep(0.05)
            if not transport.is_active():
                raise EOFError("the SSH connection closed during the command")
        return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    finally:
        chan.close()


def _exec_request(
    transport: paramiko.Transport, chan: paramiko.Channel, text: str, deadline: float
) -> None:
    """chan.exec_command with the deadline: paramiko waits for the server's reply to the exec
    request with no timeout at all, so a host blackholed between open_session and that reply
    would hang the step forever (TCP gives up only after ~15 minutes). A timer closes the
    transport at the deadline, which wakes the wait; the caller drops the connection anyway."""
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        transport.close()

    timer = threading.Timer(max(0.0, deadline - time.monotonic()), expire)
    timer.daemon = True
    timer.start()
    try:
        chan.exec_command(text)
    except (paramiko.SSHException, EOFError, OSError):
        if expired.is_set():
            raise _Timeout() from None
        raise
    finally:
        timer.cancel()


class _LineSplitter:
    """Turns output chunks into whole lines for --verbose streaming."""

    def __init__(self, emit: Callable[[str, str], None]):
        self.emit = emit
        self.partial = {"stdout": b"", "stderr": b""}

    def feed(self, stream: str, chunk: bytes) -> None:
        data = self.partial[stream] + chunk
        *done, self.partial[stream] = data.split(b"\n")
        for line in done:
            self.emit(stream, line.decode("utf-8", "replace").rstrip("\r"))

    def flush(self) -> None:
        for stream, rest in self.partial.items():
            if rest:
                self.emit(stream, rest.decode("utf-8", "replace"))
        self.partial = {"stdout": b"", "stderr": b""}
