"""The parsers doctor reads hosts with, on captured text: supervisord configs with includes,
`supervisorctl status`, systemd units and `systemctl show`, worker command lines, PHP's answers."""

from __future__ import annotations

import pytest

from deploytool.probes.laravel_config import parse_config
from deploytool.probes.php_runtime import parse_php
from deploytool.probes.supervisor_conf import (
    config_path_from_args,
    include_patterns,
    matching,
    parse_status,
    parse_supervisor,
    signal_name,
)
from deploytool.probes.systemd_unit import from_properties, parse_units, timespan
from deploytool.probes.worker_command import parse_worker_command

MAIN = """\
[unix_http_server]
file=/var/run/supervisor.sock   ; (the path to the socket file)

[supervisord]
logfile=/var/log/supervisor/supervisord.log

[include]
files = /etc/supervisor/conf.d/*.conf extra/*.ini
"""
WORKER = """\
[program:shop-worker]
process_name=%(program_name)s_%(process_num)02d
command=php %(here)s/../../../var/www/app/current/artisan queue:work redis --timeout=90
numprocs=3
stopwaitsecs = 120 ; two minutes
stopsignal=SIGTERM
stopasgroup=yes
autorestart=true

[group:shop]
programs=shop-worker
"""


def test_includes_resolve_relative_to_the_including_file_and_glob_like_supervisord():
    patterns = include_patterns(MAIN, "/etc/supervisor/supervisord.conf")
    assert patterns == ["/etc/supervisor/conf.d/*.conf", "/etc/supervisor/extra/*.ini"]
    assert matching(patterns[0], ["b.conf", "a.conf", "readme.txt"]) == [
        "/etc/supervisor/conf.d/a.conf",
        "/etc/supervisor/conf.d/b.conf",
    ]


def test_program_settings_with_supervisord_semantics():
    cfg = parse_supervisor(
        {"/etc/supervisor/supervisord.conf": MAIN, "/etc/supervisor/conf.d/shop.conf": WORKER},
        "/etc/supervisor/supervisord.conf",
    )
    (p,) = cfg.programs
    assert p.stopwaitsecs == 120 and p.stopsignal == "TERM"
    assert p.stopasgroup and p.killasgroup  # killasgroup follows stopasgroup when unset
    assert p.autorestart == "true" and p.numprocs == 3
    assert p.command.startswith("php /etc/supervisor/conf.d/../../../var/www/app/current/artisan")
    assert p.at("stopwaitsecs") == "/etc/supervisor/conf.d/shop.conf:5"
    assert p.at("killasgroup") == "/etc/supervisor/conf.d/shop.conf:1"  # where to add it
    assert cfg.group_of("shop-worker") == "shop"
    assert p.process_names("shop") == (
        "shop:shop-worker_00",
        "shop:shop-worker_01",
        "shop:shop-worker_02",
    )


def test_defaults_are_supervisords():
    (p,) = parse_supervisor(
        {"/x.conf": "[program:w]\ncommand=php artisan queue:work\n"}, "/x.conf"
    ).programs
    assert (p.stopwaitsecs, p.stopsignal, p.autorestart, p.stopasgroup, p.killasgroup) == (
        10,
        "TERM",
        "unexpected",
        False,
        False,
    )
    assert not p.explicit("stopwaitsecs") and p.process_names() == ("w",)


def test_a_broken_file_is_reported_not_fatal():
    cfg = parse_supervisor(
        {"/a.conf": "[program:w\ncommand=x\n", "/b.conf": "[program:v]\ncommand=y\n"}, "/a.conf"
    )
    assert (
        [p.name for p in cfg.programs] == ["v"]
        and cfg.problems
        and cfg.problems[0].startswith("/a.conf:")
    )


@pytest.mark.parametrize(
    "value,name",
    [("TERM", "TERM"), ("sigkill", "KILL"), ("15", "TERM"), ("3", "QUIT"), ("INT", "INT")],
)
def test_signal_names(value, name):
    assert signal_name(value) == name


def test_supervisord_config_path_from_its_command_line():
    assert (
        config_path_from_args("/usr/bin/python3 /usr/bin/supervisord -n -c /run/supervisord.conf")
        == "/run/supervisord.conf"
    )
    assert (
        config_path_from_args("/usr/bin/supervisord --configuration=/etc/s.conf") == "/etc/s.conf"
    )
    assert config_path_from_args("/usr/bin/supervisord -n") == ""


def test_supervisorctl_status_lines():
    text = (
        "sshd                             RUNNING   pid 12, uptime 0:00:36\n"
        "worker:worker_00                 STOPPED   Nov 24 04:36 PM\n"
        "worker:worker_01                 FATAL     Exited too quickly (process log may have "
        "details)\n"
    )
    st = parse_status(text)
    assert (
        st["sshd"].pid == 12
        and st["worker:worker_00"].state == "STOPPED"
        and st["worker:worker_01"].pid is None
    )


UNIT = """\
[Unit]
Description=worker
[Service]
ExecStart=/usr/bin/php /srv/app/current/artisan \\
    queue:work --timeout=120
Restart=always
TimeoutStopSec=2min 30s
"""
DROPIN = "[Service]\nKillSignal=SIGKILL\n"


def test_units_with_drop_ins_and_systemd_defaults():
    units, systemd = parse_units(
        f"\x1e/etc/systemd/system/w.service\n{UNIT}"
        f"\x1e/etc/systemd/system/w.service.d/override.conf\n{DROPIN}"
        "\x1e/lib/systemd/system/h.service\n[Service]\nExecStart=php artisan horizon\n"
        "\x1eSYSTEMD\n"
    )
    assert systemd
    w, h = units
    assert (
        w.name == "w.service"
        and w.kill_signal == "KILL"
        and w.timeout_stop == 150
        and w.restart == "always"
    )
    assert "queue:work --timeout=120" in " ".join(w.exec_start.split()) and w.line == 4
    assert (h.kill_signal, h.timeout_stop, h.restart) == ("TERM", 90.0, "no")


def test_systemctl_show_properties_win():
    props = {
        "ExecStart": (
            "{ path=/usr/bin/php ; argv[]=/usr/bin/php /srv/artisan queue:work --timeout=60 ; "
            "ignore_errors=no ; start_time=[n/a] }"
        ),
        "KillSignal": "15",
        "TimeoutStopUSec": "1min 30s",
        "KillMode": "mixed",
        "Restart": "always",
        "FragmentPath": "/etc/systemd/system/w.service",
    }
    u = from_properties("w.service", props)
    assert (u.exec_start, u.kill_signal, u.timeout_stop, u.kill_mode) == (
        "/usr/bin/php /srv/artisan queue:work --timeout=60",
        "TERM",
        90.0,
        "mixed",
    )
    assert timespan("infinity") is None and timespan("500ms") == 0.5 and timespan("1h") == 3600


@pytest.mark.parametrize(
    "command,kind,connection,timeout,opts",
    [
        (
            "php /var/www/app/current/artisan queue:work redis --sleep=1 --tries=3 --timeout=30",
            "work",
            "redis",
            30,
            {"sleep": "1"},
        ),
        (
            "/usr/bin/php8.2 artisan queue:work --queue high,default --timeout 90 --max-time=3600",
            "work",
            None,
            90,
            {"queue": "high,default", "max-time": "3600"},
        ),
        ("php artisan queue:listen --timeout=0", "listen", None, 0, {}),
        ("php artisan horizon", "horizon", None, 60, {}),
        (
            "bash -c 'cd /srv && exec php artisan queue:work sqs --stop-when-empty'",
            "work",
            "sqs",
            60,
            {"stop-when-empty": None},
        ),
    ],
)
def test_worker_command_lines(command, kind, connection, timeout, opts):
    w = parse_worker_command(command)
    assert (w.kind, w.connection, w.timeout) == (kind, connection, timeout)
    for k, v in opts.items():
        assert w.options[k] == v


def test_non_workers_and_shell_wrapping():
    assert parse_worker_command("php artisan schedule:work") is None
    assert parse_worker_command(["php-fpm"]) is None
    assert parse_worker_command("sh -c 'exec php artisan queue:work'").shell_execs
    assert not parse_worker_command("sh -c 'php artisan queue:work'").shell_execs


def test_php_runtime_answers():
    ok = parse_php(
        "php",
        0,
        '{"version":"8.2.1","pcntl":true,"functions":{"pcntl_signal":true,'
        '"pcntl_async_signals":true,"pcntl_alarm":true},"disabled":"","binary":"/usr/bin/php8.2"}\n',
        "",
    )
    assert ok.pcntl and not ok.missing_functions and ok.binary == "/usr/bin/php8.2"
    disabled = parse_php(
        "php",
        0,
        '{"version":"8.1","pcntl":true,"functions":{"pcntl_signal":false,'
        '"pcntl_async_signals":false,"pcntl_alarm":true}}',
        "",
    )
    assert disabled.missing_functions == ("pcntl_signal", "pcntl_async_signals")
    assert parse_php("php9", 127, "", "sh: 1: php9: not found\n").error == "sh: 1: php9: not found"


def test_app_config_answer_and_cache_identity():
    out = (
        '{"env":"production","queue_default":"redis","queue":{"redis":{"driver":"redis","retry_after":90}},'
        '"cache":{"store":"redis","driver":"redis","cache_prefix":"shop_cache_","connection":"cache",'
        '"host":"10.0.0.5","port":"6379","database":"1","redis_prefix":"shop_","server_id":"abc123"}}\n'
    )
    cfg = parse_config(0, out, "")
    assert (
        cfg.retry_after(None) == 90
        and cfg.retry_after("redis") == 90
        and cfg.retry_after("sqs") is None
    )
    assert cfg.cache_driver == "redis" and ("server", "abc123") in cfg.cache_identity
    assert "10.0.0.5:6379 db 1" in cfg.describe_cache()
    broken = parse_config(
        255,
        "",
        'PHP Fatal error:  Uncaught Error: Class "Illuminate\\Foundation\\Application" '
        "not found in /srv/bootstrap/app.php:3\nStack trace:\n",
    )
    assert broken.error.startswith("PHP Fatal error:")
