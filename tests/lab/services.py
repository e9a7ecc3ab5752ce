"""The fleet's shared backing services, run outside the host namespaces: Redis and MariaDB.

Both listen on 127.0.0.1 only, keep their data under the lab root and are started as
children of the lab in their own session (so a terminal's Ctrl-C does not hit them);
readiness is a client round trip polled against a deadline.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from .procs import LabTimeout, ProcRef, wait_until

DB_NAME = "app"
DB_USER = "app"
DB_PASSWORD = "secret"


def _spawn(argv: list[str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _ready_or_raise(proc: subprocess.Popen, ping, what: str, log: Path, timeout: float) -> None:
    def check() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{what} exited with {proc.returncode} while starting; {log}:\n{_tail(log)}"
            )
        return ping()

    try:
        wait_until(check, timeout, f"{what} to answer")
    except LabTimeout as exc:
        raise LabTimeout(f"{exc}; {log}:\n{_tail(log)}") from None


@dataclass(frozen=True)
class Redis:
    root: Path  # <lab root>/redis
    port: int

    @property
    def log(self) -> Path:
        return self.root / "redis.log"

    def cli(self, *argv: str, timeout: float = 10) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ping(self) -> bool:
        try:
            return self.cli("ping", timeout=2).stdout.strip() == "PONG"
        except subprocess.TimeoutExpired:
            return False

    def start(self, timeout: float = 15) -> ProcRef:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.ping():
            raise RuntimeError(
                f"something already answers on 127.0.0.1:{self.port}; is another lab up?"
            )
        proc = _spawn(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.root),
                "--daemonize",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            self.log,
        )
        ref = ProcRef.of(proc.pid)
        _ready_or_raise(proc, self.ping, f"redis on 127.0.0.1:{self.port}", self.log, timeout)
        return ref


@dataclass(frozen=True)
class MariaDB:
    root: Path  # <lab root>/mariadb
    port: int

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def socket(self) -> Path:
        return self.root / "mariadb.sock"

    @property
    def log(self) -> Path:
        return self.root / "error.log"

    def root_sql(self, sql: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """As the database superuser, over the unix socket (unix_socket auth for OS root)."""
        return subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", "--batch", "-e", sql],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def app_sql(self, sql: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """As the app's user, over TCP like the app itself."""
        return subprocess.run(
            [
                "mariadb",
                "--no-defaults",
                "-h127.0.0.1",
                f"-P{self.port}",
                f"-u{DB_USER}",
                f"-p{DB_PASSWORD}",
                DB_NAME,
                "--batch",
                "-e",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ping(self) -> bool:
        try:
            return self.root_sql("SELECT 1", timeout=5).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def _install(self) -> None:
        if (self.datadir / "mysql").is_dir():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        log = self.root / "install.log"
        with open(log, "wb") as out:
            rc = subprocess.run(
                [
                    "mariadb-install-db",
                    "--no-defaults",
                    f"--datadir={self.datadir}",
                    "--user=root",
                    "--auth-root-authentication-method=socket",
                    "--skip-test-db",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=120,
            ).returncode
        if rc != 0:
            raise RuntimeError(f"mariadb-install-db failed ({rc}); {log}:\n{_tail(log)}")

    def start(self, timeout: float = 30) -> ProcRef:
        self._install()
        if len(str(self.socket)) > 100:
            raise RuntimeError(f"lab root too long for a unix socket path: {self.socket}")
        proc = _spawn(
            [
                "mariadbd",
                "--no-defaults",
                "--user=root",
                f"--datadir={self.datadir}",
                f"--socket={self.socket}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--pid-file={self.root / 'mariadb.pid'}",
                f"--log-error={self.log}",
                "--skip-name-resolve",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=64M",
                "--max-connections=200",
            ],
            self.root / "stdout.log",
        )
        ref = ProcRef.of(proc.pid)
        _ready_or_raise(proc, self.ping, f"mariadb on 127.0.0.1:{self.port}", self.log, timeout)
        self.create_app_database()
        return ref

    def create_app_database(self) -> None:
        user = f"'{DB_USER}'@'127.0.0.1'"
        sql = (
            f"CREATE DATABASE IF NOT EXISTS {DB_NAME};"
            f"CREATE USER IF NOT EXISTS {user} IDENTIFIED BY '{DB_PASSWORD}';"
            f"GRANT ALL PRIVILEGES ON {DB_NAME}.* TO {user};"
        )
        done = self.root_sql(sql)
        if done.returncode != 0:
            raise RuntimeError(f"creating database {DB_NAME} failed: {done.stderr.strip()}")

    def recreate_app_database(self) -> None:
        done = self.root_sql(f"DROP DATABASE IF EXISTS {DB_NAME}")
        if done.returncode != 0:
            raise RuntimeError(f"dropping database {DB_NAME} failed: {done.stderr.strip()}")
        self.create_app_database()
