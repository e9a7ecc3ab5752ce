"""Helpers for e2e tests that watch a ship while it runs: start one in the background, read its
JSON events until a step, finish it (never leaving a hung one behind), and the lab faults they
inject (a blackholed sshd, a slow migration)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from .conftest import AUDIT_LOG, Shipped, deploytool

SLOW_INSTALL = [
    "sh",
    "-c",
    "composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction && sleep 4",
]


def start_ship(inv, *args, env=None, command="ship") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "deploytool.cli", command, "lab", "-i", str(inv), "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "1", "DEPLOYTOOL_AUDIT_LOG": str(AUDIT_LOG), **(env or {})},
    )


def read_until(proc: subprocess.Popen, predicate, timeout: float = 120) -> list[dict]:
    """Read JSON events until one satisfies predicate (or the process ends)."""
    seen = []
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        if line.startswith("{"):
            ev = json.loads(line)
            seen.append(ev)
            if predicate(ev):
                return seen
        if time.monotonic() > deadline:
            break
    return seen


def started(step: str):
    return lambda e: e["event"] == "StepStarted" and e["step"] == step


def finish(proc: subprocess.Popen, seen: list[dict], timeout: float = 120) -> Shipped:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Never leave a hung ship behind (it holds the lock for the next test); say where it hung.
        proc.kill()
        out, err = proc.communicate()
        tail = "\n".join(json.dumps(e) for e in seen[-10:]) + "\n" + out[-3000:]
        pytest.fail(
            f"the ship did not finish within {timeout:g}s; its last events:\n{tail}\nstderr:\n"
            f"{err[-3000:]}"
        )
    lines = [json.dumps(e) for e in seen] + out.splitlines()
    return Shipped(subprocess.CompletedProcess(proc.args, proc.returncode, "\n".join(lines), err))


def lock_status(inv) -> str:
    return deploytool("lock", "status", "lab", "-i", str(inv)).stdout


def our_processes(lab, token: str = "", hosts=None) -> dict[str, list[str]]:
    """Processes on each host (or on `hosts`) that a deploytool run started (they carry
    DEPLOYTOOL_RUN, or DEPLOYTOOL_RUN=token)."""
    want = f"^DEPLOYTOOL_RUN={token}$" if token else "^DEPLOYTOOL_RUN="
    script = (
        'for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f" 2>/dev/null '
        f'| grep -q "{want}" && {{ p=${{f#/proc/}}; '
        'echo "${p%/environ} $(tr "\\0" " " < /proc/${p%/environ}/cmdline)"; }; done; true'
    )
    return {
        h.name: [
            line
            for line in lab.run(h, ["sh", "-c", script], user="root").stdout.splitlines()
            if line.strip()
        ]
        for h in (hosts or lab.hosts)
    }


def iptables(*args):
    subprocess.run(["iptables", *args], check=True)


def drop_rule(host) -> list[str]:
    return ["INPUT", "-d", host.address, "-p", "tcp", "--dport", str(host.port), "-j", "DROP"]


@contextmanager
def blackholed(host):
    """Every packet to the host's sshd dropped until the block ends (the rule is always removed)."""
    rule = drop_rule(host)
    iptables("-I", *rule)
    try:
        yield
    finally:
        iptables("-D", *rule)


SLOW_MIGRATION = """<?php

use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Support\\Facades\\DB;

return new class extends Migration
{
    public function up()
    {
        DB::statement('CREATE TABLE IF NOT EXISTS slow_a (id INT)');
        sleep(%d);
        DB::statement('CREATE TABLE IF NOT EXISTS slow_b (id INT)');
    }
};
"""


def slow_migration_release(lab, tag: str, seconds: int) -> str:
    """A release on top of v2 whose one migration takes `seconds` between two statements (so a
    fault can land while it has partly run). Returns the tag (made once per lab)."""
    return release_once(
        lab,
        tag,
        {"database/migrations/2030_01_01_000000_slow_tables.php": SLOW_MIGRATION % seconds},
    )


def release_once(lab, tag: str, changes: dict[str, str]) -> str:
    """`changes` committed on top of v2 as `tag`, unless this lab has that tag already."""
    known = subprocess.run(
        [
            "git",
            "--git-dir",
            str(lab.origin_path),
            "rev-parse",
            "-q",
            "--verify",
            f"refs/tags/{tag}",
        ],
        capture_output=True,
    )
    if known.returncode != 0:
        lab.commit_release(tag, changes)
    return tag
