"""SSH transport on asyncssh: one connection per host, driven by one event loop in one thread.

Same seam and guarantees as transport/fabric.py: host keys are checked against the stage's
known_hosts only (an unknown or changed key is a HostKeyError naming the host, before any command
runs there), every command is what envelope.wire() makes of it (a shell.render() text, and its
secrets for stdin) with a per-command deadline, a lost or timed-out connection is an
UnreachableError. What differs is the cost: a command is a
channel on an open connection read by a coroutine, not a paramiko channel polled from a thread,
so a fan-out to 100 hosts costs one thread and a few ms of CPU per step (docs/performance.md).

Callers stay synchronous: run() hands the coroutine to the loop thread and waits for its result,
so Context.each's thread pool and every step work unchanged.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from ..config.model import Host, SSHSettings
from ..envelope import Wire, wire
from ..errors import UnreachableError
from ..shell import Command
from . import asyncssh_sftp, common
from .asyncssh_lib import asyncssh
from .asyncssh_runner import RunnerGone, Runners
from .asyncssh_sessions import Lines, Stream, run_channel
from .base import Result

T = TypeVar("T")
KEEPALIVE = 5.0  # seconds between keepalives: a blackholed connection fails after ~3 of them
# AES-GCM first: one C call per packet, where asyncssh's chacha20-poly1305 makes several
# Python-level cipher objects per packet (60% of the client CPU of a fan-out at 50 hosts); then
# the defaults.
CIPHERS = [
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
]


class AsyncSSHTransport:
    def __init__(self, ssh: SSHSettings):
        self.ssh = ssh
        self.marker = ""  # set per session: tags our remote processes (see stopper.py)
        self._conns: dict[str, asyncssh.SSHClientConnection] = {}
        self._pending: dict[str, asyncio.Future] = {}
        self._tunnel: asyncio.Future | None = None  # the jump host's connection, opened once
        self._handshakes: asyncio.Semaphore | None = None  # ssh.max_concurrent_connects
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._known: Any = None
        self._keys: Any = None
        self.runners = Runners()  # ssh.runner: persistent (asyncssh_runner.py)

    # -- the loop thread -----------------------------------------------------------------------
    def _submit(self, coro: Coroutine[Any, Any, T]) -> Future:
        with self._start_lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="deploytool-ssh", daemon=True
                )
                self._thread.start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the transport's loop and wait for it (from any other thread)."""
        return self._submit(coro).result()

    # -- connecting ----------------------------------------------------------------------------
    def _auth(self) -> dict:
        if self._known is None:
            path = os.path.expanduser(self.ssh.known_hosts)
            # Only the stage's file: never ~/.ssh/known_hosts, never trust on first use.
            self._known = (
                asyncssh.read_known_hosts(path)
                if os.path.exists(path)
                else asyncssh.import_known_hosts("")
            )
            if self.ssh.identity_file:
                self._keys = [asyncssh.read_private_key(os.path.expanduser(self.ssh.identity_file))]
        opts: dict = {
            "known_hosts": self._known,
            "config": None,
            "connect_timeout": self.ssh.connect_timeout,
            "login_timeout": self.ssh.connect_timeout,
            "keepalive_interval": KEEPALIVE,
            "keepalive_count_max": 3,
            "encryption_algs": CIPHERS,
        }
        if self._keys is not None:
            opts.update(client_keys=self._keys, agent_path=None)
        return opts

    async def _open(self, host: Host) -> asyncssh.SSHClientConnection:
        if self._handshakes is None:  # made on the loop that uses it (a closed transport's is gone)
            self._handshakes = asyncio.Semaphore(self.ssh.max_concurrent_connects)
        try:
            tunnel = await self._jump() if self.ssh.jump_host else None
            # At most max_concurrent_connects handshakes (TCP, key exchange, auth) at once: at
            # 500 hosts an unbounded burst costs a socket and a DNS lookup each at the same
            # moment, and the hosts' sshd (MaxStartups) drop what they cannot take.
            async with self._handshakes:
                return await asyncssh.connect(
                    host.address,
                    host.port,
                    username=host.user or self.ssh.user,
                    tunnel=tunnel,
                    **self._auth(),
                )
        except asyncssh.HostKeyNotVerifiable:
            if self._known.match(host.address, host.address, host.port)[0]:
                raise common.changed_key(host, self.ssh) from None
            raise common.unknown_key(host, self.ssh) from None
        except TimeoutError:
            raise common.connect_timeout(host, self.ssh) from None
        except (asyncssh.Error, OSError) as e:
            detail = (
                getattr(e, "reason", "") or getattr(e, "strerror", "") or str(e) or type(e).__name__
            )
            raise common.connect_failed(host, detail) from None

    async def _jump(self) -> asyncssh.SSHClientConnection:
        """The jump host's connection, opened once however many hosts ask for it at once."""
        if self._tunnel is None or (self._tunnel.done() and self._tunnel.exception()):
            user, jhost, jport = common.parse_jump(self.ssh.jump_host, self.ssh.user)

            async def open_jump() -> asyncssh.SSHClientConnection:
                async with self._handshakes:
                    return await asyncssh.connect(jhost, jport, username=user, **self._auth())

            self._tunnel = asyncio.ensure_future(open_jump())
        return await asyncio.shield(self._tunnel)

    async def connection(self, host: Host) -> asyncssh.SSHClientConnection:
        """The open connection to `host`, opening it once even when many callers ask at once."""
        conn = self._conns.get(host.name)
        if conn is not None:
            return conn
        pending = self._pending.get(host.name)
        if pending is None:
            pending = self._pending[host.name] = asyncio.ensure_future(self._open(host))
            pending.add_done_callback(lambda f, n=host.name: self._opened(n, f))
        return await asyncio.shield(pending)

    def _opened(self, name: str, fut: asyncio.Future) -> None:
        self._pending.pop(name, None)
        if not fut.cancelled() and fut.exception() is None:
            self._conns[name] = fut.result()

    def connect(self, host: Host) -> None:
        self.call(self.connection(host))

    # -- running -------------------------------------------------------------------------------
    def wire(self, command: Command, marked: bool = True) -> Wire:
        return wire(command, self.marker if marked else "")

    def text(self, command: Command, marked: bool = True) -> str:
        return self.wire(command, marked).text

    async def run_async(
        self,
        host: Host,
        command: Command,
        *,
        timeout: float,
        step: str = "",
        marked: bool = True,
        on_output: Callable[[str, str], None] | None = None,
    ) -> Result:
        conn = await self.connection(host)
        start = time.monotonic()
        sent = self.wire(command, marked)
        try:
            runner = None
            if self.ssh.runner == "persistent":  # one channel per host for every command
                runner = self.runners.get(host.name, conn, self.marker)
            left = max(0.0, timeout - (time.monotonic() - start))
            if runner is not None:
                status, session = await runner.run(sent, left, on_output)
            else:
                status, session = await run_channel(conn, sent.text, sent.stdin, left, on_output)
        except TimeoutError as e:
            if not getattr(e, "killed", False):  # the runner ended the command and answered
                self._drop(host)  # the connection may be wedged (a blackhole); a later reconnects
            raise UnreachableError(
                host.name, step or "run", f"command timed out after {timeout:g}s", timed_out=True
            ) from None
        except (asyncssh.Error, OSError, EOFError) as e:
            if isinstance(e, RunnerGone) and not conn.is_closed():
                # The connection is sound (the next command starts a new runner): say that the
                # host answers but this command's outcome is unknown, never "connection lost".
                why = "the runner ended while the command ran; the command may have partly run"
                raise UnreachableError(host.name, step or "run", why) from None
            self._drop(host)
            why = str(e) or type(e).__name__
            why = why if why.startswith("connection lost") else f"connection lost: {why}"
            raise UnreachableError(host.name, step or "run", why) from None
        return Result(
            host.name,
            -1 if status is None else status,
            b"".join(session.out).decode("utf-8", "replace"),
            b"".join(session.err).decode("utf-8", "replace"),
            time.monotonic() - start,
        )

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
        return self.call(
            self.run_async(
                host, command, timeout=timeout, step=step, marked=marked, on_output=on_output
            )
        )

    upload = asyncssh_sftp.upload  # SFTP on the open connection (asyncssh_sftp.py)

    def open_stream(
        self,
        host: Host,
        command: Command,
        on_line: Callable[[str], None],
        on_close: Callable[[Exception | None], None],
        *,
        step: str = "",
    ) -> Stream:
        """Start a long-lived command (a watcher) on the open connection; its stdout lines go to
        on_line and the end of its channel to on_close, both on the transport's loop thread."""

        sent = self.wire(command)
        if sent.stdin:  # a stream's stdin carries its requests: it cannot also carry secrets
            raise ValueError("a long-lived command cannot be given secrets")

        async def start() -> Stream:
            conn = await self.connection(host)
            chan, _ = await conn.create_session(
                lambda: Lines(on_line, on_close), sent.text, encoding=None
            )
            return Stream(asyncio.get_running_loop(), chan)

        try:
            return self.call(start())
        except (asyncssh.Error, OSError) as e:
            self.call(self._drop_async(host))
            raise UnreachableError(
                host.name, step or "run", f"connection lost: {e or type(e).__name__}"
            ) from None

    async def _drop_async(self, host: Host) -> None:
        self._drop(host)

    def _drop(self, host: Host) -> None:
        self.runners.forget(host.name)
        conn = self._conns.pop(host.name, None)
        if conn is not None:
            conn.abort()

    def close(self) -> None:
        if self._loop is None:
            return

        async def close_all():
            tunnel = self._tunnel
            jump = [tunnel.result()] if tunnel and tunnel.done() and not tunnel.exception() else []
            conns = list(self._conns.values()) + jump
            self._conns, self._tunnel, self._handshakes = {}, None, None
            for c in conns:
                c.close()
            await asyncio.gather(*(c.wait_closed() for c in conns), return_exceptions=True)

        try:
            self._submit(close_all()).result(timeout=10)
        except Exception:  # closing is best effort on every exit path
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        if not self._loop.is_running():  # a loop thread stuck past the join stays a daemon
            self._loop.close()
        self._loop = self._thread = None
