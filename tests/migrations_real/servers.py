"""Throwaway MariaDB and PostgreSQL servers for the real-pretend tests.

Each server lives in its own temp dir, listens on a free loopback port, is polled for readiness
against a deadline (never a fixed sleep), and is stopped by its pid. Root cannot run initdb or
postgres, so as root the PostgreSQL cluster runs as the `postgres` system user; MariaDB takes
`--user=root` instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MARIADBD = "/usr/sbin/mariadbd"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DEADLINE_S = 60.0


@dataclass
class Server:
    kind: str
    port: int
    proc: subprocess.Popen
    root: Path
    log: Path

    def stop(self) -> None:
        """Ask politely (SIGTERM, both servers shut down cleanly on it), then insist by pid."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> str | None:
    """Why the servers cannot run here, or None when they can."""
    for path in (Path(MARIADBD), PG_BIN / "postgres", Path("/usr/bin/php")):
        if not path.exists():
            return f"{path} is not installed"
    return None


def _wait_until(ready, proc: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(
        f"{what} not ready after {DEADLINE_S}s:\n{log.read_text(errors='replace')[-3000:]}"
    )


def _succeeds(argv: list[str]) -> bool:
    return subprocess.run(argv, capture_output=True, timeout=10).returncode == 0


def start_mariadb() -> Server:
    root = Path(tempfile.mkdtemp(prefix="dt-mariadb-"))
    data, log, port = root / "data", root / "server.log", free_port()
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={data}",
            "--skip-test-db",
            "--auth-root-authentication-method=normal",
            *as_root,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    argv = [
        MARIADBD,
        "--no-defaults",
        f"--datadir={data}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--socket={root / 'sock'}",
        f"--pid-file={root / 'pid'}",
        "--skip-name-resolve",
        "--skip-grant-tables",
        "--innodb-buffer-pool-size=32M",
        *as_root,
    ]
    proc = subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    ping = ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{port}", "-uroot", "-e", "select 1"]
    _wait_until(lambda: _succeeds(ping), proc, log, "mariadbd")
    return Server("mariadb", port, proc, root, log)


def start_postgres() -> Server:
    root = Path(tempfile.mkdtemp(prefix="dt-postgres-"))
    data, log, port = root / "data", root / "server.log", free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        # initdb and postgres refuse to run as root: hand the dir to the postgres system user.
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [
            *as_user,
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    argv = [
        *as_user,
        str(PG_BIN / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(root),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
    ]
    proc = subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    ping = [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
    _wait_until(lambda: _succeeds(ping), proc, log, "postgres")
    return Server("postgres", port, proc, root, log)
