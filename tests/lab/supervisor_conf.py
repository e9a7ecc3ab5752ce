"""A lab host's supervisord config (`/run/supervisord.conf` inside it): every program it runs.

supervisord is PID 1 of the host's namespaces, so everything below dies with the namespace and
is stopped by pid through it. Programs and their command lines (deploytool finds processes by a
pattern on the command line and their release by /proc/PID/cwd, so each kind is distinct):

| program | command line | start |
| --- | --- | --- |
| sshd | `/usr/sbin/sshd -D -e -f <host dir>/sshd_config` | at boot |
| php-fpm | `php-fpm: master process (...)` (children `php-fpm: pool app`) | at boot |
| nginx | `nginx: master process ...` (children `nginx: worker process`) | at boot |
| worker:worker_NN | `php /var/www/app/current/artisan queue:work redis ...` | on demand |
| scheduler | `php /var/www/app/current/artisan schedule:work` | on demand |
| daemon | `php /var/www/app/current/artisan lab:daemon --unit=2` | on demand |

The on-demand programs need `current` (a first deploy): `directory=/var/www/app/current` makes
supervisord chdir through the symlink, so each process's cwd is the release it was started in.
"""

from __future__ import annotations

from .host import DEPLOY_PATH, DEPLOY_USER, SUPERVISOR_CONF, SUPERVISOR_SOCK, HostSpec
from .web_conf import FPM_CONF, NGINX_CONF

ARTISAN = f"php {DEPLOY_PATH}/current/artisan"
WORKER_COMMAND = f"{ARTISAN} queue:work redis --sleep=1 --tries=3 --timeout=30"
SCHEDULER_COMMAND = f"{ARTISAN} schedule:work"
DAEMON_UNIT_SECONDS = 2
DAEMON_COMMAND = f"{ARTISAN} lab:daemon --unit={DAEMON_UNIT_SECONDS}"
ENVIRONMENT = f'HOME="/home/{DEPLOY_USER}",USER="{DEPLOY_USER}",LOGNAME="{DEPLOY_USER}"'


def supervisord_conf_text(spec: HostSpec) -> str:
    log = spec.log_dir
    return f"""; supervisord of lab host {spec.name}: PID 1 of the host's namespaces.
; written by tests/lab/supervisor_conf.py ({SUPERVISOR_CONF} inside the host)
[unix_http_server]
file={SUPERVISOR_SOCK}
chmod=0770
; so `supervisorctl -c {SUPERVISOR_CONF}` works as the deploy user over SSH
chown={DEPLOY_USER}:{DEPLOY_USER}

[supervisord]
nodaemon=true
user=root
logfile={log}/supervisord.log
pidfile=/run/supervisord.pid
childlogdir={log}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{SUPERVISOR_SOCK}

[program:sshd]
command=/usr/sbin/sshd -D -e -f {spec.sshd_config}
autostart=true
autorestart=true
priority=10
redirect_stderr=true
stdout_logfile={log}/sshd.log

[program:php-fpm]
; master as root, pool `app` as deploy (tests/lab/web_conf.py); QUIT = graceful stop
command=/usr/sbin/php-fpm8.2 --nodaemonize --fpm-config {FPM_CONF}
autostart=true
autorestart=true
priority=20
stopsignal=QUIT
stopwaitsecs=15
redirect_stderr=true
stdout_logfile={log}/php-fpm.out.log

[program:nginx]
command=/usr/sbin/nginx -c {NGINX_CONF}
autostart=true
autorestart=true
priority=30
stopsignal=QUIT
stopwaitsecs=10
redirect_stderr=true
stdout_logfile={log}/nginx.out.log
""" + "".join(_on_demand(spec, *program) for program in _on_demand_programs(spec))


def _on_demand_programs(spec: HostSpec) -> list[tuple[str, str, str, int, bool, str]]:
    """(name, command, extra lines, stopwaitsecs, as a group, why) of each on-demand program."""
    numbered = f"process_name=%(program_name)s_%(process_num)02d\nnumprocs={spec.workers}\n"
    return [
        (
            "worker",
            WORKER_COMMAND,
            numbered,
            40,
            True,
            "TERM lets the worker finish its job; stopwaitsecs stays above its --timeout=30",
        ),
        (
            "scheduler",
            SCHEDULER_COMMAND,
            "",
            10,
            False,
            "TERM ends schedule:work at once (it traps nothing). Not as a group: the\n"
            "; `schedule:run` it started and that command's `ledger:long` live on, from the\n"
            "; release they started in, as commands started by cron do when the scheduler is\n"
            "; restarted.",
        ),
        (
            "daemon",
            DAEMON_COMMAND,
            "",
            30,
            True,
            f"TERM: lab:daemon finishes its unit of work ({DAEMON_UNIT_SECONDS} s), then exits 0",
        ),
    ]


def _on_demand(
    spec: HostSpec, name: str, command: str, extra: str, wait: int, group: bool, why: str
) -> str:
    # No `current` exists before the first deploy: Lab.kinds.start() starts them. Priority 5:
    # supervisord's shutdown stops one group per loop turn, highest priority first, and a turn
    # on an already stopped group idles a full second; stopped last, they cost nothing.
    log = "%(program_name)s_%(process_num)02d" if extra else name
    as_group = str(group).lower()
    return f"""
[program:{name}]
command={command}
{extra}directory={DEPLOY_PATH}/current
user={DEPLOY_USER}
environment={ENVIRONMENT}
autostart=false
autorestart=true
priority=5
startsecs=1
; {why}
stopsignal=TERM
stopwaitsecs={wait}
stopasgroup={as_group}
killasgroup={as_group}
redirect_stderr=true
stdout_logfile={spec.log_dir}/{log}.log
"""
