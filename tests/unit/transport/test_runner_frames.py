"""The persistent runner's framing (runner_frames.py): requests as the PHP side reads them, and
the reply parser in any chunking, with junk lines kept apart; and the `ssh.runner` key."""

from __future__ import annotations

import base64
import json

import pytest

from deploytool.config import load_inventory
from deploytool.errors import ConfigError
from deploytool.transport import runner_frames as frames
from deploytool.transport.runner_frames import Frame, Parser

REPLY = (
    b'{"ready": 41}\n'
    b'{"i": 1, "o": "' + base64.b64encode(b"out\nmore") + b'"}\n'
    b'{"i": 2, "e": "' + base64.b64encode(b"\xff err") + b'"}\n'
    b"PHP Warning:  something went to stdout\n"
    b'{"i": 1, "x": 3}\n'
    b'{"i": 2, "k": 9}\n'
)
EXPECTED = [
    Frame("ready", value=41),
    Frame("stdout", 1, b"out\nmore"),
    Frame("stderr", 2, b"\xff err"),
    Frame("junk", data=b"PHP Warning:  something went to stdout"),
    Frame("exit", 1, value=3),
    Frame("signal", 2, value=9),
]


def test_replies_parse_the_same_in_any_chunking():
    assert Parser().feed(REPLY) == EXPECTED
    for size in (1, 2, 7, 64):
        p, got = Parser(), []
        for i in range(0, len(REPLY), size):
            got += p.feed(REPLY[i : i + size])
        assert got == EXPECTED, size
        assert p.pending == b""


def test_a_line_still_on_its_way_is_kept_until_its_newline():
    p = Parser()
    assert p.feed(b'{"i": 5, "x"') == [] and p.pending == b'{"i": 5, "x"'
    assert p.feed(b": 0}\n\n") == [Frame("exit", 5, value=0)]


@pytest.mark.parametrize(
    "line",
    [b"[1, 2]", b'{"i": "x", "x": 1}', b'{"i": 1, "o": "not base64!"}', b'{"i": 1}', b"{", b'"s"'],
)
def test_malformed_replies_are_junk(line):
    assert frames.parse_line(line) == Frame("junk", data=line)


def test_requests_carry_text_and_stdin_bytes_exactly():
    text = "DEPLOYTOOL_RUN=t; export DEPLOYTOOL_RUN; printf '%s\\n' 'é \"q\" $x'"
    line = frames.request(7, text, b"deploytool-secrets 1\n\x00\xff")
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    m = json.loads(line)
    assert m["i"] == 7
    assert base64.b64decode(m["c"]).decode() == text
    assert base64.b64decode(m["s"]) == b"deploytool-secrets 1\n\x00\xff"
    assert json.loads(frames.kill(7)) == {"i": 7, "k": 1}


TEXT = """\
application: {{name: a, repository: /r.git, deploy_path: /app}}
stages:
  prod:
    ssh: {{user: deploy{ssh}}}
    hosts: [{{address: 10.0.0.1, migrate: true}}]
"""


def test_the_runner_key_defaults_to_persistent_and_is_validated(tmp_path):
    p = tmp_path / "inventory.yml"
    p.write_text(TEXT.format(ssh=""))
    assert load_inventory(p).stages["prod"].ssh.runner == "persistent"
    p.write_text(TEXT.format(ssh=", runner: channel"))
    assert load_inventory(p).stages["prod"].ssh.runner == "channel"
    p.write_text(TEXT.format(ssh=", runner: forever"))
    with pytest.raises(ConfigError) as e:
        load_inventory(p)
    assert "inventory.yml:4:" in str(e.value) and "runner" in str(e.value)
