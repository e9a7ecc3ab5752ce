"""ssh.max_concurrent_connects: neither transport has more SSH handshakes in flight than the cap.

The hosts are one loopback listener that counts the connections it holds at once: it accepts,
keeps each socket 50 ms without sending a banner, then closes it, so every handshake fails as
"connection lost" after a known time and the count is how many the client had started at once.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time

import pytest

from deploytool.config.model import Host, SSHSettings
from deploytool.errors import UnreachableError
from deploytool.fanout import Fanout
from deploytool.transport.asyncssh import AsyncSSHTransport
from deploytool.transport.fabric import FabricTransport

HOSTS = 60
CAP = 7


class Counting(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Hold)
        self.lock = threading.Lock()
        self.now = self.peak = self.total = 0


class Hold(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        srv = self.server
        with srv.lock:
            srv.now += 1
            srv.total += 1
            srv.peak = max(srv.peak, srv.now)
        try:
            time.sleep(0.05)  # the fake host's behaviour: a slow handshake, then a hang-up
        finally:
            with srv.lock:
                srv.now -= 1
            self.request.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def server():
    srv = Counting()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("kind", [AsyncSSHTransport, FabricTransport])
def test_concurrent_handshakes_never_exceed_the_cap(server, kind, tmp_path):
    ssh = SSHSettings(
        user="deploy",
        known_hosts=str(tmp_path / "known_hosts"),
        connect_timeout=5,
        max_concurrent_connects=CAP,
    )
    port = server.server_address[1]
    hosts = [Host("127.0.0.1", f"h{i}", port=port) for i in range(HOSTS)]
    t, fan = kind(ssh), Fanout()

    def one(h: Host) -> str:
        try:
            t.connect(h)
        except UnreachableError as e:
            return e.message
        return "connected?"

    try:
        answers = fan.map(one, hosts)
    finally:
        fan.close()
        t.close()
    assert server.total == HOSTS  # every host was tried...
    assert all(a.startswith(f"h{i}: connect: SSH to 127.0.0.1:") for i, a in enumerate(answers))
    assert 2 <= server.peak <= CAP  # ...in parallel, but never more than the cap at once
