"""`deploytool init`: from flags, from answers typed on a real pseudo-terminal, the refusal to
overwrite, the usage error without a terminal; what it writes loads and passes check-config."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploytool.cli import main
from deploytool.config import load_inventory
from deploytool.config.starter import parse_host
from deploytool.ui.env import Env

FLAGS = [
    "--repository",
    "git@git.example.com:acme/shop.git",
    "--deploy-path",
    "/var/www/shop",
    "--host",
    "web1=10.0.0.5",
    "--host",
    "w1=10.0.0.6:2222,worker",
    "--migrate-host",
    "w1",
    "--ssh-user",
    "app",
    "--known-hosts",
    "/etc/deploy/known_hosts",
    "--worker-pattern",
    "artisan horizon",
]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), Env(stdout=out, stderr=err, stdin=io.StringIO()))
    return code, out.getvalue(), err.getvalue()


def test_from_flags_it_writes_a_commented_inventory_that_loads_and_checks(tmp_path):
    target = tmp_path / "deploy" / "inventory.yml"
    code, out, err = run("init", "-o", str(target), *FLAGS)
    assert code == 0, err
    assert f"wrote {target}: stage production, 2 host(s)" in out
    assert "check-config: configuration OK" in out
    assert f"next: deploytool doctor production -i {target}" in out
    text = target.read_text()
    assert "# host keys are verified" in text and "# exactly one host per stage" in text
    inv = load_inventory(target)
    stage = inv.stages["production"]
    assert inv.application.name == "shop" and inv.application.deploy_path == "/var/www/shop"
    assert [(h.name, h.address, h.port, h.roles) for h in stage.hosts] == [
        ("web1", "10.0.0.5", 22, ("web", "worker")),
        ("w1", "10.0.0.6", 2222, ("worker",)),
    ]
    assert stage.migration_host.name == "w1" and stage.ssh.user == "app"
    assert stage.ssh.known_hosts == "/etc/deploy/known_hosts"
    assert inv.application.workers[0].pattern == "artisan horizon"
    assert run("check-config", "-i", str(target))[0] == 0


def test_it_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "inventory.yml"
    target.write_text("mine\n")
    code, out, err = run("init", "-o", str(target), *FLAGS)
    assert code == 2 and "exists; nothing was written" in err and "--force" in err
    assert target.read_text() == "mine\n"
    assert run("init", "-o", str(target), "--force", *FLAGS)[0] == 0
    assert "deploytool init" in target.read_text()


def test_without_a_terminal_missing_flags_are_one_usage_error_naming_them(tmp_path):
    code, out, err = run("init", "-o", str(tmp_path / "i.yml"), "--repository", "/srv/app.git")
    assert code == 2
    assert "init needs --deploy-path, --host (no terminal to ask on)" in err
    assert not (tmp_path / "i.yml").exists()


def test_a_value_yaml_would_misread_stays_literal(tmp_path):
    target = tmp_path / "inventory.yml"
    args = ["init", "-o", str(target), *FLAGS, "--name", "shop: #1", "--branch", "08"]
    assert run(*args)[0] == 0
    app = load_inventory(target).application
    assert app.name == "shop: #1" and app.branch == "08"


@pytest.mark.parametrize(
    "text, problem",
    [("web1", "expected NAME=ADDRESS"), ("a=h:x", "is not a number"), ("a=h:0", "out of range")],
)
def test_bad_host_specs(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_host(text)


def test_ipv6_host_spec():
    h = parse_host("db=[2001:db8::1]:2200,db")
    assert (h.address, h.port, h.roles) == ("2001:db8::1", 2200, ("db",))


def converse(argv: list[str], cwd: Path, answers: list[tuple[str, str]], timeout: float = 30):
    """Run deploytool on a pseudo-terminal; when the output shows each prompt, type its answer."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: deploytool on the terminal
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "deploytool.cli", *argv], os.environ)
    seen, pending = b"", list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # the child closed the terminal: it has exited
                    break
                if not chunk:
                    break
                seen += chunk
            while pending and pending[0][0].encode() in seen.split(b"\n")[-1]:
                prompt, answer = pending.pop(0)
                seen += b"\n"  # the next prompt is on a line of its own in `seen`
                os.write(fd, answer.encode() + b"\n")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace"), pending


def test_on_a_terminal_it_asks_for_what_the_flags_left_out(tmp_path):
    answers = [
        ("git repository the hosts clone", "/srv/git/shop.git"),
        ("deploy path on the hosts [/var/www/app]", "relative/path"),  # refused, asked again
        ("deploy path on the hosts [/var/www/app]", ""),  # Enter: the default
        ("host NAME=ADDRESS[:PORT][,ROLE...]", "app1=10.1.0.1"),
        ("(empty: done)", "bad-host"),  # refused, asked again
        ("(empty: done)", "app2=10.1.0.2:2200,worker"),
        ("(empty: done)", ""),
        ("host that runs migrations (app1, app2) [app1]", "app2"),
        ("application name [shop]", ""),
        ("stage name [production]", "staging"),
        ("branch to deploy [main]", ""),
        ("SSH user on the hosts [deploy]", ""),
        ("known_hosts file [~/.ssh/known_hosts]", ""),
        ("SSH key (empty: ssh-agent)", "~/.ssh/deploy_ed25519"),
        ("worker command pattern [artisan queue:work]", ""),
    ]
    code, screen, left = converse(["init"], tmp_path, answers)
    assert left == [], screen
    assert code == 0, screen
    assert "is not an absolute path" in screen and "expected NAME=ADDRESS" in screen
    assert (
        "check-config: configuration OK" in screen and "next: deploytool doctor staging" in screen
    )
    inv = load_inventory(tmp_path / "inventory.yml")
    stage = inv.stages["staging"]
    assert inv.application.deploy_path == "/var/www/app" and inv.application.name == "shop"
    assert [(h.name, h.port, h.roles) for h in stage.hosts] == [
        ("app1", 22, ("web", "worker")),
        ("app2", 2200, ("worker",)),
    ]
    assert stage.migration_host.name == "app2"
    assert stage.ssh.identity_file == "~/.ssh/deploy_ed25519"


def test_piped_input_is_never_asked(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "deploytool.cli", "init"],
        cwd=tmp_path,
        input="/srv/git/shop.git\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "no terminal to ask on" in done.stderr
    assert "git repository" not in done.stderr
