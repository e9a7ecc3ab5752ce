"""A minimal FastCGI client (standard library only): one request to php-fpm over its socket.

What cachetool does to reset opcache, and what the lab uses to talk to a host's FPM without
nginx. It runs inside a host, as any user, with the source on stdin (no install needed there):

    python3 - /run/php/php8.2-fpm.sock /tmp/x.php [NAME=VALUE ...] < tests/lab/fastcgi.py

and prints one JSON object: {"status": 200, "headers": {...}, "body": "...", "stderr": "..."},
or {"error": "[Errno 13] Permission denied"} with exit code 2 when the socket refuses us.
Written from the FastCGI 1.0 specification (records, BEGIN_REQUEST / PARAMS / STDIN, the
responder role); no third-party code.
"""

from __future__ import annotations

import json
import socket
import struct
import sys

VERSION, RESPONDER = 1, 1
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
REQUEST_ID = 1


def _record(kind: int, content: bytes) -> bytes:
    pad = -len(content) % 8
    header = struct.pack("!BBHHBx", VERSION, kind, REQUEST_ID, len(content), pad)
    return header + content + b"\0" * pad


def _length(n: int) -> bytes:
    return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)


def _pairs(params: dict[str, str]) -> bytes:
    out = b""
    for name, value in params.items():
        k, v = name.encode(), value.encode()
        out += _length(len(k)) + _length(len(v)) + k + v
    return out


def request_bytes(params: dict[str, str]) -> bytes:
    body = _pairs(params)
    chunks = [body[i : i + 65535] for i in range(0, len(body), 65535)]
    return (
        _record(BEGIN_REQUEST, struct.pack("!HB5x", RESPONDER, 0))
        + b"".join(_record(PARAMS, c) for c in chunks)
        + _record(PARAMS, b"")
        + _record(STDIN, b"")
    )


def _read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("FPM closed the connection mid-record")
        data += chunk
    return data


def parse_stdout(raw: bytes) -> tuple[int, dict[str, str], str]:
    """CGI response (headers, blank line, body) -> (status, headers, body)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, body.decode("utf-8", "replace")


def call(
    socket_path: str, script: str, extra: dict[str, str] | None = None, timeout: float = 30
) -> dict:
    """One GET of `script` (an absolute path the pool can read); the FPM answer as a dict."""
    params = {
        "GATEWAY_INTERFACE": "FastCGI/1.0",
        "REQUEST_METHOD": "GET",
        "SCRIPT_FILENAME": script,
        "SCRIPT_NAME": "/" + script.rsplit("/", 1)[-1],
        "REQUEST_URI": "/" + script.rsplit("/", 1)[-1],
        "QUERY_STRING": "",
        "SERVER_SOFTWARE": "deploytool-lab",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_NAME": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_LENGTH": "0",
        **(extra or {}),
    }
    out, err = b"", b""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(socket_path)
        sock.sendall(request_bytes(params))
        while True:
            _, kind, _, length, pad = struct.unpack("!BBHHBx", _read_exact(sock, 8))
            content = _read_exact(sock, length + pad)[:length]
            if kind == STDOUT:
                out += content
            elif kind == STDERR:
                err += content
            elif kind == END_REQUEST:
                break
    status, headers, body = parse_stdout(out)
    stderr = err.decode("utf-8", "replace")
    return {"status": status, "headers": headers, "body": body, "stderr": stderr}


def main(argv: list[str]) -> int:
    sock, script, *pairs = argv
    extra = dict(p.split("=", 1) for p in pairs)
    try:
        print(json.dumps(call(sock, script, extra)))
    except OSError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
