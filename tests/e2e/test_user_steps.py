"""User steps and hooks on the real lab: every kind of user step in one playbook (order, roles,
once, when_changed, placeholders, a local step, a secret in env), a failing one before the switch,
and SIGINT during a long one. The ships share one fleet (module fixture) and run in file order:
each test starts from what the one before left."""

from __future__ import annotations

import hashlib
import json
import signal
from pathlib import Path

import pytest
import yaml

from tests.lab.procs import wait_until

from .conftest import AUDIT_LOG, current_of, releases_of, ship, write_inventory
from .running import finish, lock_status, our_processes, read_until, start_ship

pytestmark = pytest.mark.lab

SECRET = "hooks-s3cret-7f1c"
MARKERS = "/var/www/app/hooks-markers.log"
# Each step appends "<step> <host> <time>" to MARKERS on its host (or locally).
MARK = ["sh", "-c", f'echo "$0 $1 $(date +%s.%N)" >> {MARKERS}', "{step}", "{host}"]
PLAYBOOK = {
    "extends": "laravel",
    "before": {
        "switch": [
            {"artisan": ["--version"], "name": "version", "roles": ["web"]},
            {"run": MARK, "name": "web-only", "roles": ["web"]},
            {"run": MARK, "name": "on-one", "once": True},
            {"run": MARK, "name": "lock-changed", "when_changed": ["package-lock.json"]},
            {
                "run": [
                    "sh",
                    "-c",
                    'printf "%s\\n" "$@" > placeholders.txt',
                    "-",
                    "{release}",
                    "{commit}",
                    "{stage}",
                    "{step}",
                    "{host}",
                ],
                "name": "placeholders",
            },
            {
                "run": [
                    "sh",
                    "-c",
                    'printf %s "$HOOK_TOKEN" | sha256sum > secret.sha; echo "token=$HOOK_TOKEN"',
                ],
                "name": "secret",
                "env": {"HOOK_TOKEN": "${env:HOOKS_SECRET}"},
            },
        ]
    },
    "after": {
        "switch": [{"run": MARK, "name": "after-switch", "cwd": "current"}],
        "drain": [
            {
                "run": [
                    "sh",
                    "-c",
                    'echo "$0 $1 $(date +%s.%N)" >> local-markers.log',
                    "{step}",
                    "{release}",
                ],
                "name": "here",
                "local": True,
            }
        ],
    },
}


def write_playbook(d: Path, name: str, playbook: dict) -> Path:
    (d / "playbooks").mkdir(exist_ok=True)
    path = d / "playbooks" / f"{name}.yml"
    path.write_text(yaml.safe_dump(playbook, sort_keys=False))
    return path


def with_roles(inv: Path, roles: dict[str, list[str]]) -> Path:
    data = yaml.safe_load(inv.read_text())
    for h in data["stages"]["lab"]["hosts"]:
        h["roles"] = roles.get(h["name"], h["roles"])
    inv.write_text(yaml.safe_dump(data, sort_keys=False))
    return inv


@pytest.fixture(scope="module")
def hooks(lab, tmp_path_factory):
    lab.reset_app_state()
    d = tmp_path_factory.mktemp("hooks")
    write_playbook(d, "hooks", PLAYBOOK)
    inv = with_roles(
        write_inventory(lab, d / "inventory.yml", playbook="hooks", migrations={"policy": "off"}),
        {"h3": ["worker"]},
    )
    lab.commit_release("lock-v1", {"package-lock.json": '{"lockfileVersion": 1}\n'}, base="v1")
    lab.commit_release("lock-v2", {"package-lock.json": '{"lockfileVersion": 1}\n'}, base="v2")
    lab.commit_release("lock-v3", {"package-lock.json": '{"lockfileVersion": 3}\n'}, base="v2")
    return d, inv


def markers(lab) -> list[tuple[float, str, str]]:
    """(time, step, host) of every marker line on every host, oldest first."""
    out = []
    for h in lab.hosts:
        f = h.app_dir / "hooks-markers.log"
        for line in f.read_text().splitlines() if f.exists() else []:
            step, host, at = line.rsplit(" ", 2)
            out.append((float(at), step, host))
    return sorted(out)


def clear_markers(lab) -> None:
    for h in lab.hosts:
        (h.app_dir / "hooks-markers.log").unlink(missing_ok=True)


def test_every_kind_of_user_step_runs_in_order_where_it_should(lab, hooks):
    d, inv = hooks
    result = ship(inv, "--ref", "lock-v1", "-v", env={"HOOKS_SECRET": SECRET})
    assert result.code == 0, result
    rel, commit = result.release, result.of("ReleaseResolved")[0]["commit"]
    started = [e["step"] for e in result.of("StepStarted")]
    assert started == [
        "pull", "install", "check-migrations", "migrate", "cache", "prepare-web",
        "version", "web-only", "on-one", "lock-changed", "placeholders", "secret",
        "switch", "after-switch", "reload-web", "health", "restart-queue", "drain",
        "here", "cleanup",
    ]  # fmt: skip
    hosts = {e["step"]: e["hosts"] for e in result.of("StepStarted")}
    assert hosts["web-only"] == ["h1", "h2"] and hosts["on-one"] == ["h1"]
    assert hosts["here"] == ["local"]
    # marker files, by their own clocks: the order the events say, on the hosts they name
    seen = markers(lab)
    order = [step for _, step, _ in seen]
    assert order.index("on-one") > max(i for i, s in enumerate(order) if s == "web-only")
    assert order.index("after-switch") > order.index("lock-changed")
    assert sorted(h for _, s, h in seen if s == "web-only") == ["h1", "h2"]
    assert [h for _, s, h in seen if s == "on-one"] == ["h1"]
    assert sorted(h for _, s, h in seen if s == "after-switch") == ["h1", "h2", "h3"]
    # no previous release: when_changed runs
    assert sorted(h for _, s, h in seen if s == "lock-changed") == ["h1", "h2", "h3"]
    for h in lab.hosts:
        release_dir = h.app_dir / "releases" / rel
        assert (release_dir / "placeholders.txt").read_text().splitlines() == [
            rel, commit, "lab", "placeholders", h.name
        ]  # fmt: skip
        want = hashlib.sha256(SECRET.encode()).hexdigest()
        assert (release_dir / "secret.sha").read_text().split()[0] == want
    # the local step ran here, in the inventory's directory, after the drain
    local = (d / "local-markers.log").read_text().split()
    assert local[:2] == ["here", rel]
    assert float(local[2]) > max(at for at, s, _ in seen if s == "after-switch")
    # artisan ran php artisan in the new release; its output was streamed (-v)
    outputs = [e for e in result.of("CommandOutput") if e["step"] == "version"]
    assert {e["host"] for e in outputs} == {"h1", "h2"}
    assert all(e["line"].startswith("Laravel Framework") for e in outputs), outputs
    # the secret: used, and nowhere in what deploytool printed or recorded
    assert any(e["line"] == "token=***" for e in result.of("CommandOutput"))
    assert SECRET not in result.stdout + result.stderr
    assert SECRET not in AUDIT_LOG.read_text()
    for h in lab.hosts:
        assert SECRET not in (h.app_dir / ".deploytool" / "audit.log").read_text()


def test_when_changed_skips_an_unchanged_lock_file_and_runs_a_changed_one(lab, hooks):
    d, inv = hooks
    clear_markers(lab)
    same = ship(inv, "--ref", "lock-v2", env={"HOOKS_SECRET": SECRET})  # same lock file, new code
    assert same.code == 0, same
    skipped = [e for e in same.of("HostStepFinished") if e["step"] == "lock-changed"]
    assert len(skipped) == 3 and all(
        e["ok"] and e["detail"].startswith("skipped: package-lock.json unchanged since ")
        for e in skipped
    ), skipped
    assert "lock-changed" not in [s for _, s, _ in markers(lab)]
    changed = ship(inv, "--ref", "lock-v3", env={"HOOKS_SECRET": SECRET})
    assert changed.code == 0, changed
    assert sorted(h for _, s, h in markers(lab) if s == "lock-changed") == ["h1", "h2", "h3"]
    ran = [e for e in changed.of("HostStepFinished") if e["step"] == "lock-changed"]
    assert all(e["detail"] == "" for e in ran)


def worker_pids(lab) -> dict[str, list[int]]:
    return {h.name: sorted(p for _, p in lab.worker_status(h).values() if p) for h in lab.hosts}


def test_a_failing_user_step_before_the_switch_changes_nothing(lab, hooks):
    d, inv = hooks
    write_playbook(
        d,
        "failing",
        {
            "extends": "laravel",
            "before": {"switch": [{"run": ["sh", "-c", "echo nope >&2; exit 3"], "name": "gate"}]},
        },
    )
    bad = write_inventory(lab, d / "failing.yml", playbook="failing", migrations={"policy": "off"})
    lab.start_workers()
    before, rels, pids = current_of(lab), releases_of(lab), worker_pids(lab)
    result = ship(bad, "--ref", "v2")
    assert result.code == 1, result
    failed = [e for e in result.of("StepFinished") if not e["ok"]]
    assert [e["step"] for e in failed] == ["gate"]
    assert "exited with code 3" in result.of("ShipFinished")[0]["message"]
    assert "nope" in result.of("ShipFinished")[0]["message"]
    assert "switch" not in [e["step"] for e in result.of("StepStarted")]
    assert current_of(lab) == before and releases_of(lab) == rels  # half-built release removed
    assert worker_pids(lab) == pids  # workers untouched


def test_sigint_during_a_long_user_step_stops_its_process_group(lab, hooks):
    d, inv = hooks
    long_step = {"run": ["sh", "-c", "sleep 300 & sleep 300; wait"], "name": "long"}
    write_playbook(d, "long", {"extends": "laravel", "before": {"switch": [long_step]}})
    slow = write_inventory(lab, d / "long.yml", playbook="long", migrations={"policy": "off"})
    before = current_of(lab)
    proc = start_ship(slow, "--ref", "v2")
    seen = read_until(proc, lambda e: e["event"] == "StepStarted" and e["step"] == "long")
    wait_until(
        lambda: all(
            sum(p.split(" ", 1)[1].startswith("sleep 300") for p in ps) == 2
            for ps in our_processes(lab).values()
        ),
        30,
        "both sleeps of the long step on every host",
    )
    proc.send_signal(signal.SIGINT)
    result = finish(proc, seen)
    assert result.code == 130, result
    ended = result.of("ShipFinished")[0]
    assert "interrupted by signal 2" in ended["message"]
    wait_until(lambda: not any(our_processes(lab).values()), 10, "no process with the marker")
    assert current_of(lab) == before
    assert all(result.release not in r for r in releases_of(lab).values())
    assert "unlocked" in lock_status(slow)
    json.dumps(result.events)  # every event serialisable
