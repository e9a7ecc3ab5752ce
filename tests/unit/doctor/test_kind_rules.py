"""doctor's rules for every kind of process (doctor/kinds.py) on parsed supervisord and systemd
configs: an artisan program no kind matches, a signal kind's stop signal and restart, and a
scheduler whose stop leaves the commands it started on the old release."""

from __future__ import annotations

from dataclasses import replace

from deploytool.config.model import WorkerKind
from deploytool.doctor.kinds import kind_rules
from deploytool.probes.supervisor_conf import parse_supervisor
from deploytool.probes.systemd_unit import parse_units

from .test_rules import facts

CONF = "/etc/supervisor/conf.d/app.conf"
QUEUE = WorkerKind("queue", "artisan queue:work", "queue:restart")
SCHEDULER = WorkerKind("scheduler", "artisan schedule:work", "TERM")
SCHEDULED = WorkerKind("scheduled", "artisan report:build", "none")
DAEMON = WorkerKind("daemon", "artisan lab:daemon", "TERM")
LAB_SCHEDULER = """\
[program:scheduler]
command=php /var/www/app/current/artisan schedule:work
directory=/var/www/app/current
autorestart=true
stopsignal=TERM
stopasgroup=false
killasgroup=false
"""
LAB_DAEMON = """\
[program:daemon]
command=php /var/www/app/current/artisan lab:daemon --unit=2
autorestart=true
stopsignal=TERM
stopasgroup=true
"""


def with_programs(text: str, kinds, **over):
    return replace(facts(**over), supervisor=parse_supervisor({CONF: text}, CONF), kinds=kinds)


def found(fs, check):
    return [(f.subject, f.status) for f in kind_rules(fs) if f.check == check]


def test_the_lab_s_programs_pass_when_every_kind_is_declared():
    fs = with_programs(LAB_SCHEDULER + LAB_DAEMON, (QUEUE, SCHEDULER, SCHEDULED, DAEMON))
    assert {f.status for f in kind_rules(fs)} == {"pass"}
    why = next(f for f in kind_rules(fs) if f.check == "scheduler.children").message
    assert "the drain waits for them (kind scheduled)" in why


def test_an_artisan_program_no_kind_matches_is_named_and_queue_workers_are_left_alone():
    fs = with_programs(LAB_SCHEDULER + LAB_DAEMON, (QUEUE,))
    got = [f for f in kind_rules(fs) if f.check == "kind.declared"]
    assert [(f.subject, f.status) for f in got] == [
        ("h1 [program:scheduler]", "warn"),
        ("h1 [program:daemon]", "warn"),
    ]
    assert 'pattern: "artisan lab:daemon", restart: TERM' in got[1].fix
    assert got[1].where == f"{CONF}:9"
    # the queue worker program of test_rules' facts is not a kind rule's business
    assert all("worker" not in f.subject for f in kind_rules(facts(kinds=(QUEUE,))))


def test_a_scheduler_without_stopasgroup_and_nothing_waiting_for_its_commands_fails():
    fs = with_programs(LAB_SCHEDULER, (QUEUE, SCHEDULER))
    (f,) = [f for f in kind_rules(fs) if f.check == "scheduler.children"]
    assert (f.status, f.where) == ("fail", f"{CONF}:2")
    assert "old code runs unnoticed" in f.message
    assert "restart: none" in f.fix and "stopasgroup=true and killasgroup=true" in f.fix
    fixed = with_programs(
        LAB_SCHEDULER.replace("asgroup=false", "asgroup=true"), (QUEUE, SCHEDULER)
    )
    assert found(fixed, "scheduler.children") == [("h1 [program:scheduler]", "pass")]


def test_a_signal_kind_must_be_stopped_with_its_signal_and_come_back_after_it():
    broken = LAB_DAEMON.replace("autorestart=true", "autorestart=unexpected").replace(
        "stopsignal=TERM", "stopsignal=INT"
    )
    fs = with_programs(broken, (QUEUE, DAEMON))
    assert found(fs, "kind.autorestart") == [("h1 [program:daemon]", "fail")]
    assert found(fs, "kind.stopsignal") == [("h1 [program:daemon]", "warn")]
    fix = next(f.fix for f in kind_rules(fs) if f.check == "kind.stopsignal")
    assert fix.startswith("set stopsignal=TERM in [program:daemon]")


def test_systemd_units_of_each_kind_get_the_same_rules():
    unit = (
        "\x1e/etc/systemd/system/scheduler.service\n[Service]\n"
        "ExecStart=/usr/bin/php /srv/app/current/artisan schedule:work\nKillMode=process\n"
        "Restart=on-failure\n"
        "\x1e/etc/systemd/system/daemon.service\n[Service]\n"
        "ExecStart=/usr/bin/php /srv/app/current/artisan lab:daemon\nRestart=on-failure\n"
    )
    units, _ = parse_units(unit)
    fs = replace(facts(), supervisor=None, units=tuple(units), kinds=(QUEUE, SCHEDULER, DAEMON))
    got = {(f.subject, f.check): f.status for f in kind_rules(fs)}
    assert got == {
        ("h1 scheduler.service", "kind.declared"): "pass",
        ("h1 scheduler.service", "kind.stopsignal"): "pass",
        ("h1 scheduler.service", "kind.autorestart"): "fail",
        ("h1 scheduler.service", "scheduler.children"): "fail",
        ("h1 daemon.service", "kind.declared"): "pass",
        ("h1 daemon.service", "kind.stopsignal"): "pass",
        ("h1 daemon.service", "kind.autorestart"): "fail",
    }
