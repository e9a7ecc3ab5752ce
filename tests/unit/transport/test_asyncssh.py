"""The asyncssh transport without a host: selection by ssh.transport, the command text it sends,
line streaming, and what it makes of a lost channel. Real sshd hosts:
tests/e2e/test_transport_asyncssh.py."""

from __future__ import annotations

import asyncio
import textwrap

import asyncssh
import pytest

from deploytool.config import load_inventory
from deploytool.config.model import SSHSettings
from deploytool.errors import ConfigError
from deploytool.shell import cmd, render
from deploytool.transport import open_transport
from deploytool.transport.asyncssh import CIPHERS, AsyncSSHTransport
from deploytool.transport.asyncssh_sessions import Collect as _Collect
from deploytool.transport.asyncssh_sessions import Lines as _Lines
from deploytool.transport.fabric import FabricTransport

INVENTORY = """\
application: {{name: app, repository: /srv/app.git, deploy_path: /var/www/app}}
stages:
  prod:
    ssh: {{user: deploy{extra}}}
    hosts: [{{address: 10.0.0.1, migrate: true}}]
"""


def stage(tmp_path, extra=""):
    p = tmp_path / "inventory.yml"
    p.write_text(INVENTORY.format(extra=extra))
    return load_inventory(p).stages["prod"]


def test_asyncssh_is_the_default_and_fabric_is_chosen_by_the_inventory(tmp_path):
    t = open_transport(stage(tmp_path).ssh)
    assert isinstance(t, AsyncSSHTransport)
    t.close()  # never started a loop: a no-op
    assert isinstance(open_transport(stage(tmp_path, ", transport: fabric").ssh), FabricTransport)


def test_an_unknown_transport_is_a_located_config_error(tmp_path):
    with pytest.raises(ConfigError) as e:
        stage(tmp_path, ", transport: asyncsh")
    assert "inventory.yml:4:" in str(e.value) and "stages.prod.ssh.transport" in str(e.value)
    assert "asyncssh" in str(e.value)


def test_the_command_text_is_render_output_with_the_marker():
    t = AsyncSSHTransport(SSHSettings(user="deploy"))
    c = cmd("echo", "a b; rm -rf /")
    assert t.text(c) == render(c)
    t.marker = "tok123"
    assert t.text(c).endswith("; " + render(c)) and "DEPLOYTOOL_RUN=tok123" in t.text(c)
    assert t.text(c, marked=False) == render(c)


def test_aes_gcm_is_preferred_and_chacha_still_offered():
    assert CIPHERS[0].startswith("aes128-gcm") and "chacha20-poly1305@openssh.com" in CIPHERS


def test_collect_hands_over_whole_lines_per_stream_and_flushes_the_rest():
    async def go():
        done = asyncio.get_running_loop().create_future()
        seen = []
        s = _Collect(done, lambda stream, line: seen.append((stream, line)))
        s.data_received(b"one\ntw", None)
        s.data_received(b"oops\n", asyncssh.EXTENDED_DATA_STDERR)
        s.data_received(b"o\r\nthree", None)
        s.connection_lost(None)
        await done
        return seen, b"".join(s.out), b"".join(s.err)

    seen, out, err = asyncio.run(go())
    assert seen == [("stdout", "one"), ("stderr", "oops"), ("stdout", "two"), ("stdout", "three")]
    assert out == b"one\ntwo\r\nthree" and err == b"oops\n"


def test_a_channel_lost_with_an_error_fails_the_command():
    async def go():
        done = asyncio.get_running_loop().create_future()
        _Collect(done).connection_lost(asyncssh.ConnectionLost("reset"))
        await done

    with pytest.raises(asyncssh.ConnectionLost):
        asyncio.run(go())


def test_lines_splits_stdout_and_ignores_stderr():
    got, closed = [], []
    s = _Lines(got.append, closed.append)
    s.data_received(b"+\x1fa\n-\x1f", None)
    s.data_received(b"warning\n", asyncssh.EXTENDED_DATA_STDERR)
    s.data_received(b"12\nE", None)
    s.connection_lost(None)
    assert got == ["+\x1fa", "-\x1f12"] and closed == [None]


def test_no_remote_text_is_built_outside_render():
    src = textwrap.dedent(open(AsyncSSHTransport.__module__.replace(".", "/") + ".py").read())
    # the only shell text is envelope.wire(command): render() plus the marker and the secrets
    assert "wire(command" in src and "shlex" not in src and 'f"cd ' not in src
