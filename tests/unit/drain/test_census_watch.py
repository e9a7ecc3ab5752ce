"""The census watcher probe: its command, its line protocol, and the PHP script itself run on this
machine's /proc against a stand-in worker (a renamed `sleep`), without SSH."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time

import pytest

from deploytool.probes.census import parse_census
from deploytool.probes.census_watch import SEP, parse_line, sync_request, watch_command
from deploytool.shell import render

S = SEP


def test_the_pattern_travels_as_hex_so_the_watcher_never_matches_itself():
    c = watch_command(
        "artisan queue:work", "/var/www/app", tick=0.05, lifetime=120, php="/usr/bin/php8.2"
    )
    text = render(c)
    assert "artisan queue:work" not in text and b"artisan queue:work".hex() in text
    assert c.argv[:3] == ("/usr/bin/php8.2", "-n", "-r") and c.argv[-5:] == (
        "/var/www/app",
        "0.05",
        "120",
        "2",
        "0.5",
    )


def test_parse_line_protocol():
    p_line = (
        f"P{S}42{S}1001{S}/var/www/app/releases/r1{S}State:S {S}42 (php) S 1{S}php artisan "
        "queue:work"
    )
    assert parse_line(f"+{S}{p_line}").kind == "appeared" and parse_line(f"+{S}{p_line}").pid == 42
    assert parse_line(f"-{S}42").kind == "exited" and parse_line(f"-{S}42").pid == 42
    assert parse_line(f"E{S}7").seq == 7
    assert parse_line(f"H{S}1.0{S}2{S}/x") is None and parse_line(p_line) is None
    assert sync_request() == "S"


php = shutil.which("php")


@pytest.mark.skipif(php is None, reason="needs php")
@pytest.mark.parametrize("current", ["r1", "r2"])  # r2: the worker is old (the watcher hurries)
def test_the_watcher_reports_a_worker_streams_its_exit_and_ends_at_eof(tmp_path, current):
    release = tmp_path / "releases" / "r1"
    release.mkdir(parents=True)
    (tmp_path / "releases" / "r2").mkdir()
    (tmp_path / "current").symlink_to(tmp_path / "releases" / current)
    fake = subprocess.Popen(
        ["bash", "-c", "exec -a 'php /app/artisan queue:work --bench-watch' sleep 60"], cwd=release
    )
    pattern = "queue:work --bench-watch"
    watcher = subprocess.Popen(
        list(watch_command(pattern, str(tmp_path), tick=0.02, lifetime=60).argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    lines = _Reader(watcher)
    try:
        appeared = lines.until(lambda ln: ln.startswith("+"))
        assert parse_line(appeared).pid == fake.pid
        watcher.stdin.write(sync_request().encode())
        watcher.stdin.flush()
        block = lines.block_until(lambda ln: ln.startswith("E"))
        census = parse_census("\n".join(block[:-1]), str(tmp_path))
        assert parse_line(block[-1]).seq == 1 and census.current == current
        assert [(w.pid, w.release, w.state) for w in census.workers] == [
            (fake.pid, "r1", "sleeping")
        ]
        t0 = time.monotonic()
        fake.kill()
        fake.wait()
        gone = lines.until(lambda ln: ln.startswith("-"))
        assert parse_line(gone).pid == fake.pid and time.monotonic() - t0 < 2
        watcher.stdin.close()  # the channel closes: the watcher must end
        assert watcher.wait(5) == 0
    finally:
        for p in (fake, watcher):
            if p.poll() is None:
                p.kill()
                p.wait()


@pytest.mark.skipif(php is None, reason="needs php")
def test_one_watcher_reports_every_kind_and_each_process_is_tagged_with_its_kind(tmp_path):
    release = tmp_path / "releases" / "r1"
    release.mkdir(parents=True)
    (tmp_path / "current").symlink_to(release)
    names = {"queue": "queue:work --kinds-watch", "daemon": "lab:daemon --kinds-watch"}
    fakes = {
        kind: subprocess.Popen(
            ["bash", "-c", f"exec -a 'php /app/artisan {name}' sleep 60"], cwd=release
        )
        for kind, name in names.items()
    }
    watcher = subprocess.Popen(
        list(watch_command(list(names.values()), str(tmp_path), tick=0.02, lifetime=60).argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    lines = _Reader(watcher)
    try:
        seen = {parse_line(lines.until(lambda ln: ln.startswith("+"))).pid for _ in names}
        assert seen == {p.pid for p in fakes.values()}
        watcher.stdin.write(sync_request().encode())
        watcher.stdin.flush()
        block = lines.block_until(lambda ln: ln.startswith("E"))
        census = parse_census("\n".join(block[:-1]), str(tmp_path), tuple(names.items()))
        assert sorted((w.kind, w.pid) for w in census.workers) == sorted(
            (kind, p.pid) for kind, p in fakes.items()
        )
    finally:
        for p in (*fakes.values(), watcher):
            if p.poll() is None:
                p.kill()
                p.wait()


class _Reader:
    def __init__(self, proc):
        self.proc, self.buf = proc, b""

    def _line(self, deadline: float) -> str:
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            assert left > 0, f"no line from the watcher; got {self.buf!r}"
            if select.select([self.proc.stdout], [], [], left)[0]:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                assert chunk, "the watcher ended early"
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def until(self, pred, timeout: float = 5) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self._line(deadline)
            if pred(line):
                return line

    def block_until(self, pred, timeout: float = 5) -> list[str]:
        deadline = time.monotonic() + timeout
        out = []
        while True:
            out.append(self._line(deadline))
            if pred(out[-1]):
                return [ln for ln in out if ln[:1] in "HPE"]
