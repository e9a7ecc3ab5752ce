"""The client side of the persistent per-host runner (`ssh.runner: persistent`).

On a host's second command the transport opens ONE long-lived channel running the runner
(runner_php.py) and, once it is ready, sends every command of that connection down it as a
request line (runner_frames.py), instead of opening a session channel per command: the host's
sshd then sets up no session and forks no login shell per command, only the command's own shell.
Not on the first: a session of one command per host (a cold connect, `deploytool releases`)
would pay a PHP start per host (10-15 ms of the host's CPU) for nothing.

A command run here gives what a channel of its own gives: its exit status (None when a signal
ended it, as a channel's), stdout and stderr apart, whole lines to `on_output` as they come (the
same Collect session object reads both), stdin bytes then EOF. Any number run at once per host.
At its deadline the command's process group is killed by the runner; if the runner confirms that
within KILL_GRACE the connection stays, else the caller drops it as for a channel (Timeout.killed).
The runner's channel ending (the connection lost, the runner killed) fails every command in
flight on it like a lost connection (RunnerGone is an EOFError); the next command starts a new
runner. A runner that cannot start on a host (no php, no setsid, the channel refused) is said
once in the debug log and that host's commands use channels of their own from then on.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable

from ..envelope import Wire
from ..shell import render
from . import runner_frames as frames
from .asyncssh_lib import asyncssh
from .asyncssh_sessions import Collect
from .runner_php import runner_command

log = logging.getLogger("deploytool.transport")
KILL_GRACE = 2.0  # seconds the runner has to confirm a timed-out command's kill
START_DEADLINE = 30.0  # seconds a runner has to say it is ready, or its host uses channels


class RunnerGone(EOFError):
    """The runner's channel ended while commands were in flight on it."""


class Unavailable(Exception):
    """The runner could not start on this host."""


class Timeout(TimeoutError):
    def __init__(self, killed: bool):
        super().__init__("the command's deadline passed")
        self.killed = killed  # the runner confirmed the kill: the connection is sound


class _Request:
    def __init__(self, collect: Collect):
        self.collect = collect
        self.status: int | None = None


class RunnerSession(asyncssh.SSHClientSession):
    """Reads the runner's frames and hands each command's to its Collect."""

    def __init__(self) -> None:
        self.parser = frames.Parser()
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self.pending: dict[int, _Request] = {}
        self.err = b""  # the tail of the runner's own stderr: why it ended
        self.gone = False

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        if datatype == asyncssh.EXTENDED_DATA_STDERR:
            self.err = (self.err + data)[-2000:]
            return
        for f in self.parser.feed(data):
            req = self.pending.get(f.rid)
            if f.kind == "ready" and not self.ready.done():
                self.ready.set_result(f.value)
            elif f.kind == "junk":
                log.debug("runner: skipped a line that is not a frame: %r", f.data[:200])
            elif req is None:
                continue
            elif f.kind in ("stdout", "stderr"):
                kind = asyncssh.EXTENDED_DATA_STDERR if f.kind == "stderr" else None
                req.collect.data_received(f.data, kind)
            else:  # exit or signal: the command is over
                req.status = f.value if f.kind == "exit" else None
                del self.pending[f.rid]
                req.collect.connection_lost(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self.gone = True
        why = self.err.decode("utf-8", "replace").strip().splitlines()
        err = exc or RunnerGone(f"the runner ended{': ' + why[-1] if why else ''}")
        if not self.ready.done():
            self.ready.set_exception(err)
        pending, self.pending = self.pending, {}
        for req in pending.values():
            req.collect.connection_lost(err)


class Runner:
    """One host's runner: its channel, and a counter for request ids."""

    def __init__(self, chan: asyncssh.SSHClientChannel, session: RunnerSession, pid: int):
        self.chan, self.session, self.pid = chan, session, pid
        self._ids = itertools.count(1)

    @property
    def gone(self) -> bool:
        return self.session.gone

    async def run(
        self, sent: Wire, timeout: float, on_output: Callable[[str, str], None] | None
    ) -> tuple[int | None, Collect]:
        done = asyncio.get_running_loop().create_future()
        done.add_done_callback(lambda f: f.cancelled() or f.exception())  # always retrieved
        rid, collect = next(self._ids), Collect(done, on_output)
        req = self.session.pending[rid] = _Request(collect)
        self.chan.write(frames.request(rid, sent.text, sent.stdin))
        try:
            await asyncio.wait_for(asyncio.shield(done), timeout)
        except TimeoutError:
            raise Timeout(await self._kill(rid, done)) from None
        return req.status, collect

    async def _kill(self, rid: int, done: asyncio.Future) -> bool:
        try:
            self.chan.write(frames.kill(rid))
            await asyncio.wait_for(done, KILL_GRACE)
            return True
        except (TimeoutError, asyncssh.Error, OSError, EOFError):
            return False

    def retire(self) -> None:
        """No more requests: the runner exits once its commands in flight have ended."""
        try:
            self.chan.write_eof()
        except (asyncssh.Error, OSError):
            pass


async def start(conn: asyncssh.SSHClientConnection, token: str) -> Runner:
    try:
        chan, session = await conn.create_session(
            RunnerSession, render(runner_command(token)), encoding=None
        )
    except asyncssh.ChannelOpenError as e:
        raise Unavailable(f"the channel was refused: {e.reason}") from None
    try:
        pid = await asyncio.wait_for(session.ready, START_DEADLINE)
    except RunnerGone as e:
        raise Unavailable(f"{e} (exit status {chan.get_exit_status()})") from None
    except TimeoutError:
        chan.close()
        raise Unavailable(f"it did not start within {START_DEADLINE:g}s") from None
    return Runner(chan, session, pid)


class Runners:
    """The runner of each host, started once however many commands ask at once; the hosts where
    none could start (`unavailable`: host name -> why). While a host's runner starts, its
    commands take channels of their own: the start (a PHP process on the host) overlaps them
    instead of delaying the first one."""

    def __init__(self) -> None:
        self._live: dict[str, tuple[object, str, asyncio.Future]] = {}
        self._asked: set[str] = set()  # hosts that have had a command
        self.unavailable: dict[str, str] = {}

    def current(self, name: str) -> Runner | None:
        entry = self._live.get(name)
        fut = entry[2] if entry else None
        if fut is None or not fut.done() or fut.cancelled() or fut.exception():
            return None
        return fut.result()

    def get(self, name: str, conn, token: str) -> Runner | None:
        """The host's runner on `conn` for the session `token`; None: use a channel (the
        host's first command, its runner is starting, or none could start there)."""
        if name in self.unavailable:
            return None
        entry = self._live.get(name)
        if entry is not None:
            old, fut = self.current(name), entry[2]
            stale = entry[0] is not conn or (fut.done() and (old is None or old.gone))
            if not stale and entry[1] != token:  # a new session's token: a new runner carries it
                fut.add_done_callback(
                    lambda f: f.cancelled() or f.exception() or f.result().retire()
                )
                stale = True
            if stale:
                entry = None
        if entry is None:
            if name not in self._asked:  # its first command: a runner may not pay off yet
                self._asked.add(name)
                return None
            fut = asyncio.ensure_future(start(conn, token))
            entry = self._live[name] = (conn, token, fut)
            fut.add_done_callback(lambda f, e=entry: self._started(name, e))
            return None
        return self.current(name)

    def _started(self, name: str, entry: tuple) -> None:
        fut = entry[2]
        why = None if fut.cancelled() else fut.exception()
        if why is None and not fut.cancelled():
            return
        if self._live.get(name) is entry:
            del self._live[name]  # connection trouble: a later command starts one again
        if isinstance(why, Unavailable) and name not in self.unavailable:
            self.unavailable[name] = str(why)
            log.debug(
                "%s: no persistent runner (%s); commands use channels of their own", name, why
            )

    def forget(self, name: str) -> None:
        self._live.pop(name, None)
