"""Smoke tests of the lab itself: isolation, SSH, services, a hand-made release with
workers and jobs, and a teardown that leaves nothing behind."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest
import testinfra

from tests.lab import Lab
from tests.lab.handmade import prepare_release, ssh
from tests.lab.host import ssh_banner
from tests.lab.procs import wait_until

pytestmark = pytest.mark.lab

RELEASE = "20260101000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_openssh_with_strict_host_key_checking(lab: Lab):
    for h in lab.hosts:
        done = ssh(lab, h.name, "hostname; id -un")
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == [h.name, "deploy"]


def test_a_wrong_host_key_is_refused(lab: Lab, tmp_path: Path):
    # h2's key listed for h1's address: a client must refuse, not re-learn.
    wrong = tmp_path / "known_hosts"
    h2_key = lab.known_hosts.read_text().splitlines()[1].split(" ", 1)[1]
    wrong.write_text(f"[{lab.hosts[0].address}]:{lab.hosts[0].port} {h2_key}\n")
    done = subprocess.run(
        ["ssh", "-F", str(lab.ssh_config), "-o", f"UserKnownHostsFile={wrong}", "h1", "true"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 255
    assert "HOST IDENTIFICATION HAS CHANGED" in done.stderr


def test_paramiko_connects_with_the_pinned_keys(lab: Lab):
    # deploytool's transport is fabric/paramiko: it must verify hosts from known_hosts.
    h = lab.hosts[-1]
    client = paramiko.SSHClient()
    client.load_host_keys(str(lab.known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        h.address,
        port=h.port,
        username="deploy",
        key_filename=str(lab.identity),
        look_for_keys=False,
        allow_agent=False,
        timeout=5,
    )
    try:
        _, out, _ = client.exec_command("hostname")
        assert out.read().decode().strip() == h.name
    finally:
        client.close()


def test_testinfra_through_ssh_config(lab: Lab):
    h1 = testinfra.get_host("ssh://h1", ssh_config=str(lab.ssh_config))
    assert h1.check_output("hostname") == "h1"
    app = h1.file("/var/www/app")
    assert app.is_directory and app.user == "deploy"
    assert h1.file("/var/www/app/shared/.env").contains("QUEUE_CONNECTION=redis")


def test_ps_on_a_host_shows_only_its_own_processes(lab: Lab):
    out = ssh(lab, "h1", "ps -eo pid,args").stdout
    assert "hosts/h1/sshd_config" in out
    assert "hosts/h2/" not in out and "hosts/h3/" not in out
    assert re.search(r"^\s*1 .*supervisord", out, re.M), out


def test_each_host_has_its_own_deploy_path(lab: Lab):
    marker = "/var/www/app/shared/marker-h1"
    assert ssh(lab, "h1", f"touch {marker}").returncode == 0
    try:
        assert ssh(lab, "h1", f"test -e {marker}").returncode == 0
        assert ssh(lab, "h2", f"test -e {marker}").returncode == 1
    finally:
        ssh(lab, "h1", f"rm -f {marker}")


def test_redis_and_mariadb_answer(lab: Lab):
    assert lab.redis("PING").stdout.strip() == "PONG"
    done = lab.sql("SELECT 40 + 2 AS answer")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["answer", "42"]


def test_a_hand_made_release_runs_workers_and_jobs(clean_lab: Lab):
    lab = clean_lab
    prepare_release(lab, "h1", "v1", RELEASE)

    lab.start_workers(["h1"])
    status = lab.worker_status("h1")
    assert sorted(status) == [f"worker_{i:02d}" for i in range(lab.n_workers)]
    for state, pid in status.values():
        assert state == "RUNNING"
        cwd = lab.run("h1", ["readlink", f"/proc/{pid}/cwd"]).stdout.strip()
        assert cwd == f"/var/www/app/releases/{RELEASE}"

    seqs = lab.dispatch(1, 2)
    account = lab.wait_for_ledger(seqs, timeout=30)
    assert account.clean and account.finished == 1
    (row,) = lab.ledger()
    assert (row.seq, row.host, row.version, row.attempt) == (1, "h1", "v1", 1)
    assert (row.finished_at - row.started_at).total_seconds() >= 2

    # queue:restart: every worker exits after its job and supervisord starts a new one.
    old = {pid for _, pid in status.values()}
    lab.run("h1", ["php", "artisan", "queue:restart"], cwd="/var/www/app/current", check=True)

    def restarted() -> bool:
        now = lab.worker_status("h1").values()
        return all(s == "RUNNING" and pid not in old for s, pid in now)

    wait_until(restarted, 20, "workers to be restarted after queue:restart", interval=0.2)
    log = (lab.root / "hosts/h1/log/supervisord.log").read_text()
    assert re.search(r"exited: worker_00 \(exit status 0; expected\)", log)

    lab.stop_workers(["h1"])
    assert all(s == "STOPPED" for s, _ in lab.worker_status("h1").values())


def test_commit_release_adds_a_tag_the_hosts_can_clone(lab: Lab):
    tag = f"smoke-{time.time_ns()}"
    sha = lab.commit_release(tag, {"VERSION": "v3\n", "routes/console.php": None})
    out = ssh(lab, "h2", f"git ls-remote {lab.origin_path}").stdout
    refs = dict(line.split("\t")[::-1] for line in out.splitlines())
    assert refs[f"refs/tags/{tag}^{{}}"] == sha
    assert refs["refs/heads/main"] == refs["refs/tags/v2^{}"]  # main did not move
    show = ssh(lab, "h2", f"git --git-dir={lab.origin_path} show {tag}:VERSION").stdout
    assert show == "v3\n"


def test_down_leaves_no_process_behind(tmp_path: Path):
    # A second, one-host lab on its own addresses and ports, driven through the CLI so
    # that `down` runs in another process than `up`, as it does for developers.
    # Other labs may be up on this machine (other sessions): pick free addresses and ports.
    root = tmp_path / "lab"
    prefix = next(f"127.{n}.0" for n in range(240, 255) if not ssh_banner(f"127.{n}.0.1", 2222))
    cli = [
        sys.executable,
        "-m",
        "tests.lab",
        "--root",
        str(root),
        "--hosts",
        "1",
        "--workers",
        "1",
        "--address-prefix",
        prefix,
        "--redis-port",
        str(free_port()),
        "--mariadb-port",
        str(free_port()),
    ]
    cwd = Path(__file__).resolve().parents[2]
    up = subprocess.run(
        [*cli[:3], "up", *cli[3:], "--web-root", "document"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        mini = Lab(root)
        procs = mini.processes()
        assert len(procs) >= 9  # unshare, supervisord, sshd, php-fpm x3, nginx x2, redis, mariadb
        assert subprocess.run(mini.ssh_argv("h1", "true"), timeout=30).returncode == 0
        # built with nginx on $document_root; nothing deployed yet, so 404
        answer = mini.web.get("h1", "/health")
        assert (answer.status, answer.headers["x-lab-web-root"]) == (404, "document")
        status = subprocess.run(
            [*cli[:3], "status", "--root", str(root)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert status.returncode == 0 and "h1" in status.stdout
    finally:
        down = subprocess.run(
            [*cli[:3], "down", "--root", str(root)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert down.returncode == 0, down.stdout + down.stderr
    assert [p.pid for p in procs if p.alive()] == []
    assert not (root / "state.json").exists()
