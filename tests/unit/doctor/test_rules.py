"""doctor's host rules on HostFacts built from captured text: one misconfiguration at a time is
caught with a fix, a correct host passes, and the plain and JSON reports match their snapshots."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from deploytool.doctor.checks import diagnose
from deploytool.doctor.facts import Current, HostFacts
from deploytool.doctor.report import FAIL, PASS, WARN
from deploytool.probes.census import Census, Worker
from deploytool.probes.laravel_config import parse_config
from deploytool.probes.php_runtime import PhpRuntime
from deploytool.probes.supervisor_conf import parse_status, parse_supervisor
from deploytool.probes.systemd_unit import parse_units

SNAPSHOTS = Path(__file__).resolve().parents[2] / "fixtures" / "doctor" / "snapshots"
CONF = "/etc/supervisor/conf.d/worker.conf"
COMMAND = (
    "php /var/www/app/current/artisan queue:work redis --timeout=30 --max-time=3600 --memory=256"
)
PROGRAM = {
    "command": COMMAND,
    "process_name": "%(program_name)s_%(process_num)02d",
    "numprocs": "2",
    "directory": "/var/www/app/current",
    "autorestart": "true",
    "stopsignal": "TERM",
    "stopwaitsecs": "40",
    "stopasgroup": "true",
    "killasgroup": "true",
}
STATUS = (
    "worker:worker_00                 RUNNING   pid 227, uptime 0:00:18\n"
    "worker:worker_01                 RUNNING   pid 228, uptime 0:00:18\n"
)
APP = (
    '{"env":"production","queue_default":"redis","queue":{"redis":{"driver":"redis","retry_after":40}},'
    '"cache":{"store":"redis","driver":"redis","cache_prefix":"c_","connection":"cache","host":"10.0.0.5",'
    '"port":"6379","database":"1","redis_prefix":"p_","server_id":"3d8e2923e513"}}'
)


def worker(pid: int, args: str = COMMAND) -> Worker:
    return Worker(
        pid, 1000, "/var/www/app/releases/r1", "r1", "sleeping", 0.0, 10.0, 0.1, False, False, args
    )


def facts(
    host: str = "h1", program: dict | None = None, status: str = STATUS, app: str = APP, **over
) -> HostFacts:
    settings = dict(PROGRAM, **(program or {}))
    text = "[program:worker]\n" + "".join(
        f"{k}={v}\n" for k, v in settings.items() if v is not None
    )
    base = HostFacts(
        host,
        "/var/www/app",
        3,
        Current("/var/www/app/current", True, True, "/var/www/app/releases/r1"),
        parse_supervisor({CONF: text}, CONF),
        "",
        parse_status(status),
        "",
        (),
        False,
        {"php": PhpRuntime("/usr/bin/php8.2", "8.2.36", True, ())},
        parse_config(0, app, ""),
        Census(100.0, "r1", (worker(227, settings["command"]), worker(228, settings["command"]))),
    )
    return replace(base, **over)


def statuses(report, host: str = "h1") -> dict[str, str]:
    return {f.check: f.status for f in report.findings if f.host == host}


def run(*all_facts):
    return diagnose("stage lab", all_facts, {f.host: ("web", "worker") for f in all_facts})


def test_a_correct_host_passes_every_check():
    report = run(facts())
    assert [f for f in report.findings if f.status != PASS] == []
    assert set(statuses(report)) >= {
        "release.current",
        "supervisor.stopsignal",
        "supervisor.stopwaitsecs",
        "supervisor.stopasgroup",
        "supervisor.autorestart",
        "worker.queue-work",
        "worker.recycle",
        "worker.memory",
        "supervisor.directory",
        "supervisor.running",
        "php.pcntl",
        "queue.retry-after",
        "cache.shared",
    }


MISCONFIGURED = [
    ("stopsignal KILL", {"program": {"stopsignal": "KILL"}}, "supervisor.stopsignal", FAIL),
    (
        "stopwaitsecs below timeout",
        {"program": {"stopwaitsecs": "30"}},
        "supervisor.stopwaitsecs",
        FAIL,
    ),
    ("stopwaitsecs default", {"program": {"stopwaitsecs": None}}, "supervisor.stopwaitsecs", FAIL),
    (
        "no stopasgroup",
        {"program": {"stopasgroup": None, "killasgroup": None}},
        "supervisor.stopasgroup",
        WARN,
    ),
    ("autorestart unexpected", {"program": {"autorestart": None}}, "supervisor.autorestart", FAIL),
    (
        "queue:listen",
        {"program": {"command": COMMAND.replace("queue:work", "queue:listen")}},
        "worker.queue-work",
        FAIL,
    ),
    (
        "no recycling",
        {"program": {"command": COMMAND.replace(" --max-time=3600", "")}},
        "worker.recycle",
        WARN,
    ),
    (
        "no memory",
        {"program": {"command": COMMAND.replace(" --memory=256", "")}},
        "worker.memory",
        WARN,
    ),
    (
        "pinned release",
        {"program": {"directory": "/var/www/app/releases/r1"}},
        "supervisor.directory",
        FAIL,
    ),
    (
        "crashing",
        {
            "status": STATUS.replace(
                "RUNNING   pid 228, uptime 0:00:18", "FATAL     Exited too quickly"
            )
        },
        "supervisor.running",
        FAIL,
    ),
    ("not loaded", {"status": ""}, "supervisor.running", WARN),
    (
        "edited, not applied",
        {"census": Census(1.0, "r1", (worker(227, COMMAND + " --sleep=3"), worker(228)))},
        "supervisor.applied",
        WARN,
    ),
    ("no pcntl", {"php": {"php": PhpRuntime("php", "8.2.0", False, ())}}, "php.pcntl", FAIL),
    (
        "pcntl disabled",
        {"php": {"php": PhpRuntime("php", "8.2.0", True, ("pcntl_signal",))}},
        "php.pcntl",
        FAIL,
    ),
    (
        "retry_after equal to timeout",
        {"app": APP.replace('"retry_after":40', '"retry_after":30')},
        "queue.retry-after",
        FAIL,
    ),
    (
        "file cache",
        {"app": APP.replace('"driver":"redis","cache_prefix"', '"driver":"file","cache_prefix"')},
        "cache.shared",
        FAIL,
    ),
    (
        "array cache",
        {"app": APP.replace('"driver":"redis","cache_prefix"', '"driver":"array","cache_prefix"')},
        "cache.shared",
        FAIL,
    ),
    (
        "no current",
        {"current": Current("/var/www/app/current", False, False, "")},
        "release.current",
        FAIL,
    ),
    (
        "dangling current",
        {"current": Current("/var/www/app/current", False, True, "")},
        "release.current",
        FAIL,
    ),
]


@pytest.mark.parametrize("case,over,check,status", MISCONFIGURED, ids=[c[0] for c in MISCONFIGURED])
def test_one_misconfiguration_at_a_time_is_caught_with_a_fix(case, over, check, status):
    over = dict(over)
    kwargs = {k: over.pop(k) for k in ("program", "status", "app") if k in over}
    if "app" in kwargs:
        kwargs["app"] = kwargs["app"]
    report = run(facts(**kwargs, **over))
    found = statuses(report)
    assert found[check] == status, report.findings
    others = [f for f in report.findings if f.status != PASS and f.check != check]
    assert others == [], others  # exactly one thing is wrong
    culprit = next(f for f in report.findings if f.check == check)
    assert culprit.fix


def test_a_file_cache_on_a_single_host_stage_is_only_a_warning():
    report = run(
        facts(
            app=APP.replace('"driver":"redis","cache_prefix"', '"driver":"file","cache_prefix"'),
            hosts_in_stage=1,
        )
    )
    assert statuses(report)["cache.shared"] == WARN


def test_hosts_on_different_cache_servers_fail_the_fleet_rule():
    same = run(facts("h1"), facts("h2"))
    assert statuses(same, "")["cache.same-store"] == PASS
    other = APP.replace(
        "3d8e2923e513", "ffff0000aaaa"
    )  # same address, another server: loopback per machine
    report = run(facts("h1"), facts("h2", app=other))
    f = next(f for f in report.findings if f.check == "cache.same-store")
    assert f.status == FAIL and "h1: " in f.message and "h2: " in f.message


def test_an_unreachable_host_is_a_failure_and_the_others_are_still_checked():
    down = HostFacts(
        "h2",
        "/var/www/app",
        2,
        Current("", False, False, ""),
        None,
        unreachable="h2: connect: SSH to 10.0.0.2:22 timed out after 10s",
    )
    report = run(facts(), down)
    assert statuses(report, "h2") == {"ssh.connect": FAIL}
    assert statuses(report)["supervisor.stopwaitsecs"] == PASS


def test_systemd_units_on_a_host():
    units, _ = parse_units(
        "\x1e/etc/systemd/system/w.service\n[Service]\nExecStart=/usr/bin/php "
        "/var/www/app/current/artisan queue:work --timeout=120 --max-time=60 --memory=64\n"
        "Restart=on-failure\nTimeoutStopSec=60\n"
    )
    report = run(facts(supervisor=None, status="", units=tuple(units)))
    found = statuses(report)
    assert found["systemd.restart"] == FAIL and found["systemd.timeoutstopsec"] == FAIL
    assert found["queue.retry-after"] == FAIL  # retry_after 40 <= --timeout 120


def test_horizon_timeouts_come_from_its_config():
    app = APP[:-1] + ',"horizon":{"supervisor-1":{"connection":"redis","timeout":90}}}'
    report = run(
        facts(
            program={"command": "php /var/www/app/current/artisan horizon", "stopwaitsecs": "60"},
            app=app,
            census=None,
        )
    )
    found = statuses(report)
    assert found["supervisor.stopwaitsecs"] == FAIL and found["queue.retry-after"] == FAIL


def test_no_worker_on_a_worker_host_is_a_warning():
    report = run(
        facts(supervisor=parse_supervisor({CONF: "[program:web]\ncommand=php-fpm\n"}, CONF))
    )
    assert statuses(report)["worker.present"] == WARN
