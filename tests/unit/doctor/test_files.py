"""doctor --files on the fixture set: every bad file is caught for the reason in its name, every
good file passes. Pure: no host, no Docker, no cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploytool.doctor.files import check_files
from deploytool.doctor.report import FAIL, WARN

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "doctor"
GOOD = sorted(p for p in (FIX / "good").iterdir() if not p.name.endswith(".sh"))


def failing(findings) -> set[str]:
    return {f.check for f in findings if f.status == FAIL}


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_good_files_pass_without_warnings(path):
    report = check_files([str(path)])
    assert not report.failed and not report.warned, [
        f for f in report.findings if f.status != "pass"
    ]
    assert len(report.findings) >= 5  # every checklist item was actually looked at


BAD = {
    "Dockerfile.shell-form": {"docker.pid1", "docker.pcntl"},
    "Dockerfile.stopsignal": {"docker.stopsignal"},
    "Dockerfile.entrypoint-no-exec": {"docker.pid1"},
    "Dockerfile.listen": {"worker.queue-work"},
    "compose-default-grace.yml": {"compose.stop_grace_period"},
    "compose-sh-c.yml": {"compose.pid1"},
    "compose-stop-signal.yml": {"compose.stop_signal"},
    "k8s-default-grace.yaml": {"k8s.termination-grace"},
    "k8s-shell.yaml": {"k8s.exec-form"},
    "k8s-prestop-sleep.yaml": {"k8s.termination-grace"},
    "supervisor-defaults.conf": {"supervisor.stopwaitsecs", "supervisor.autorestart"},
    "supervisor-kill.conf": {"supervisor.stopsignal"},
    "laravel-worker.service": {"systemd.timeoutstopsec", "systemd.restart"},
}


@pytest.mark.parametrize("name,expected", sorted(BAD.items()))
def test_each_bad_file_fails_for_its_reason_and_only_that(name, expected):
    report = check_files([str(FIX / "bad" / name)])
    assert failing(report.findings) == expected
    for f in report.findings:
        if f.status == FAIL:
            assert f.fix and f.where.startswith(str(FIX / "bad" / name) + ":"), (
                f
            )  # a fix and a line for each


def test_the_bad_set_covers_every_file_in_the_directory():
    names = {p.name for p in (FIX / "bad").iterdir() if not p.name.endswith(".sh")}
    assert names == set(BAD)


def test_locations_point_at_the_offending_line():
    by_check = {
        f.check: f for f in check_files([str(FIX / "bad" / "compose-stop-signal.yml")]).findings
    }
    assert by_check["compose.stop_signal"].where.endswith(":6")
    by_check = {
        f.check: f for f in check_files([str(FIX / "bad" / "supervisor-kill.conf")]).findings
    }
    assert by_check["supervisor.stopsignal"].where.endswith(":4")
    assert by_check["supervisor.stopwaitsecs"].where.endswith(":5")


def test_grace_accounts_for_the_prestop_sleep_and_suggests_enough():
    f = next(
        f
        for f in check_files([str(FIX / "bad" / "k8s-prestop-sleep.yaml")]).findings
        if f.check == "k8s.termination-grace"
    )
    assert "60s + preStop sleep 15s" in f.message and f.fix == "terminationGracePeriodSeconds: 85"


def test_job_timeout_option_applies_when_the_worker_sets_none(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        "services:\n  w:\n    init: true\n    stop_grace_period: 5m\n"
        "    command: [php, artisan, queue:work, --max-time=3600, --memory=256]\n"
    )
    assert not check_files([str(compose)]).failed  # default 60s < 5m
    assert failing(check_files([str(compose)], job_timeout=600).findings) == {
        "compose.stop_grace_period"
    }


def test_dockerfile_details(tmp_path):
    d = tmp_path / "Dockerfile"
    d.write_text(
        "FROM php:8.3-cli AS base\nCMD php -v\nFROM base\nRUN install-php-extensions pcntl\n"
        "CMD exec php artisan queue:work --max-time=60 --memory=64\n"
    )
    # the last stage counts; `exec` at the start of a shell-form CMD replaces the shell
    assert not check_files([str(d)]).failed
    d.write_text('FROM alpine\nENTRYPOINT ["tini", "--"]\nCMD php artisan queue:work\n')
    warns = {f.check for f in check_files([str(d)]).findings if f.status == WARN}
    assert "docker.pid1" in warns  # tini forwards to sh, not PHP
    d.write_text(
        'FROM alpine\nENTRYPOINT ["/usr/local/bin/start"]\nCMD ["php", "artisan", "queue:work"]\n'
    )
    f = next(f for f in check_files([str(d)]).findings if f.check == "docker.pid1")
    assert f.status == WARN and "cannot see" in f.message  # the script is not in the context


def test_unreadable_unknown_and_broken_files(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.yml").write_text("services: [\n")
    report = check_files(
        [str(tmp_path / "missing.yml"), str(tmp_path / "notes.txt"), str(tmp_path / "broken.yml")]
    )
    by = [(f.check, f.status) for f in report.findings]
    assert by == [("file.read", FAIL), ("file.kind", WARN), ("file.yaml", FAIL)]
