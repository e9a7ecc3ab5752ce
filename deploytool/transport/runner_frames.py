"""The persistent runner's wire format (ssh.runner: persistent), both ways: one JSON object a line.

To the runner (its stdin): `{"i": ID, "c": B64(command text), "s": B64(stdin bytes)}` starts a
command; `{"i": ID, "k": 1}` kills that command's process group (its deadline passed). The text
is what envelope.wire() made, byte for byte; the stdin bytes are the command's secrets, if any:
both travel base64 in the line, never in any process's argv or environment.

From the runner (its stdout): `{"ready": PID}` once it reads requests; then per command
`{"i": ID, "o": B64}` / `{"i": ID, "e": B64}` chunks of its stdout / stderr in the order read,
and last `{"i": ID, "x": STATUS}` (it exited) or `{"i": ID, "k": SIGNAL}` (a signal ended it).
A line that is not such an object (a PHP warning that went to stdout) is a `junk` Frame: the
transport logs and skips it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def request(rid: int, text: str, stdin: bytes = b"") -> bytes:
    """The line that starts command `rid`: its shell text and the bytes for its stdin."""
    return (json.dumps({"i": rid, "c": _b64(text.encode()), "s": _b64(stdin)}) + "\n").encode()


def kill(rid: int) -> bytes:
    """The line that ends command `rid`'s process group with SIGKILL."""
    return (json.dumps({"i": rid, "k": 1}) + "\n").encode()


@dataclass(frozen=True)
class Frame:
    kind: str  # ready | stdout | stderr | exit | signal | junk
    rid: int = 0
    data: bytes = b""
    value: int = 0  # ready: the runner's pid; exit: the status; signal: the signal number


def parse_line(line: bytes) -> Frame:
    """One reply line as a Frame (`junk` for anything that is not a well-formed reply)."""
    try:
        m = json.loads(line)
    except ValueError:
        return Frame("junk", data=line)
    if not isinstance(m, dict):
        return Frame("junk", data=line)
    try:
        if "ready" in m:
            return Frame("ready", value=int(m["ready"]))
        rid = int(m["i"])
        for key, kind in (("o", "stdout"), ("e", "stderr")):
            if key in m:
                return Frame(kind, rid, base64.b64decode(m[key], validate=True))
        if "x" in m:
            return Frame("exit", rid, value=int(m["x"]))
        if "k" in m:
            return Frame("signal", rid, value=int(m["k"]))
    except (KeyError, TypeError, ValueError):
        pass  # binascii.Error is a ValueError
    return Frame("junk", data=line)


class Parser:
    """Splits the runner's stdout into Frames as it arrives, in any chunking."""

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, data: bytes) -> list[Frame]:
        if b"\n" not in data:
            self._buf += data
            return []
        *lines, self._buf = (self._buf + data).split(b"\n")
        return [parse_line(line) for line in lines if line.strip()]

    @property
    def pending(self) -> bytes:
        """What has come after the last complete line (a line still on its way)."""
        return self._buf
