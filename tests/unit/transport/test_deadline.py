"""The Fabric transport's per-command deadline holds even when the host stops answering between
opening a channel and replying to the exec request (a host blackholed mid-poll).

A real SSH server on loopback (paramiko's server side, in this process) accepts the session channel
and then never answers `exec`, the way a host behind a fresh DROP rule behaves. paramiko's own
exec_command waits for that reply with no timeout at all, so without the transport's watchdog
the command's thread would still be waiting when the test's deadline passes.
"""

from __future__ import annotations

import socket
import threading

import paramiko
import pytest

from deploytool.config.model import Host, SSHSettings
from deploytool.errors import UnreachableError
from deploytool.shell import cmd
from deploytool.transport.fabric import FabricTransport


class _SilentExec(paramiko.ServerInterface):
    def __init__(self, release: threading.Event):
        self.release = release

    def check_auth_publickey(self, username, key):
        return paramiko.AUTH_SUCCESSFUL

    def get_allowed_auths(self, username):
        return "publickey"

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED

    def check_channel_exec_request(self, channel, command):
        self.release.wait(30)  # never answers within the test: the server's thread is stuck here
        return False


@pytest.fixture
def silent_server(tmp_path):
    host_key = paramiko.RSAKey.generate(2048)
    client_key = paramiko.RSAKey.generate(2048)
    key_file = tmp_path / "id_rsa"
    client_key.write_private_key_file(str(key_file))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {host_key.get_name()} {host_key.get_base64()}\n")
    release = threading.Event()
    transports = []

    def serve():
        sock, _ = listener.accept()
        t = paramiko.Transport(sock)
        t.add_server_key(host_key)
        transports.append(t)
        t.start_server(server=_SilentExec(release))

    threading.Thread(target=serve, daemon=True).start()
    yield port, key_file, known
    release.set()
    for t in transports:
        t.close()
    listener.close()


def test_a_host_that_never_answers_exec_times_out_as_unreachable(silent_server):
    port, key_file, known = silent_server
    transport = FabricTransport(
        SSHSettings(
            user="deploy", identity_file=str(key_file), known_hosts=str(known), connect_timeout=5
        )
    )
    host = Host(address="127.0.0.1", name="h1", port=port)
    outcome: dict = {}

    def run():
        try:
            transport.run(host, cmd("true"), timeout=1.5, step="drain")
        except UnreachableError as e:
            outcome["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(20)
    transport.close()
    assert not t.is_alive(), "the command outlived its deadline: the exec request had no timeout"
    err = outcome["error"]
    assert err.host == "h1" and err.step == "drain" and "timed out after 1.5s" in str(err)
