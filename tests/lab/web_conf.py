"""A lab host's web tier as files: nginx and php-fpm 8.2 configs, opcache settings, readiness.

Each host gets its own copies of Debian's /etc/nginx and /etc/php/8.2/fpm (under
<root>/hosts/hN/etc/), bind-mounted over those paths inside the host, so a tool that reads the
standard paths on a host (`nginx -T`, pool.d/*.conf, conf.d/*.ini) sees that host's config:

    /etc/nginx/nginx.conf               nginx itself (pid /run/nginx.pid, workers as www-data)
    /etc/nginx/sites-enabled/app.conf   <address>:8080, root /var/www/app/current/public
    /etc/php/8.2/fpm/php-fpm.conf       process_control_timeout, pid /run/php/php8.2-fpm.pid
    /etc/php/8.2/fpm/pool.d/app.conf    pool `app` as deploy, listen /run/php/php8.2-fpm.sock
    /etc/php/8.2/fpm/conf.d/99-lab.ini  opcache validate_timestamps, revalidate_path, memory

The live values are WebSettings, kept per host in <root>/hosts/hN/web.json (tests/lab/web.py
changes them on a running host). `web_root` chooses what nginx passes to PHP in SCRIPT_FILENAME
and DOCUMENT_ROOT: `realpath` ($realpath_root, the recommended setup: each request resolves
`current`) or `document` ($document_root, the classic mistake: PHP sees the symlinked path and
keeps the old release's compiled code).
"""

from __future__ import annotations

import json
import shutil
import socket
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .host import DEPLOY_PATH, DEPLOY_USER, HostSpec
from .procs import wait_until

WEB_PORT = 8080
NGINX_DIR, FPM_DIR = "/etc/nginx", "/etc/php/8.2/fpm"
NGINX_CONF = f"{NGINX_DIR}/nginx.conf"
NGINX_SITE = f"{NGINX_DIR}/sites-enabled/app.conf"
NGINX_PID = "/run/nginx.pid"
FPM_CONF = f"{FPM_DIR}/php-fpm.conf"
FPM_POOL = f"{FPM_DIR}/pool.d/app.conf"
FPM_INI = f"{FPM_DIR}/conf.d/99-lab.ini"
FPM_SOCKET = "/run/php/php8.2-fpm.sock"
FPM_PID = "/run/php/php8.2-fpm.pid"
FPM_STATUS_PATH, FPM_PING_PATH = "/fpm-status", "/fpm-ping"
WEB_USER = "www-data"  # nginx's workers; the FPM socket's group
WEB_ROOTS = {"realpath": "$realpath_root", "document": "$document_root"}
REQUIRED_COMMANDS = ("/usr/sbin/nginx", "/usr/sbin/php-fpm8.2")


@dataclass(frozen=True)
class WebSettings:
    """What can differ between hosts (and be misconfigured on one live host)."""

    web_root: str = "realpath"  # realpath | document (see WEB_ROOTS)
    validate_timestamps: bool = False
    revalidate_path: bool = False
    memory_consumption: int = 128  # MB of opcache shared memory (PHP's minimum is 8)
    process_control_timeout: int = 10  # s; PHP's default is 0 (a reload kills requests)
    socket_owner: str = DEPLOY_USER
    socket_group: str = WEB_USER
    socket_mode: str = "0660"
    max_children: int = 6

    def __post_init__(self) -> None:
        if self.web_root not in WEB_ROOTS:
            choices = ", ".join(WEB_ROOTS)
            raise ValueError(f"web_root must be one of {choices}, not {self.web_root!r}")

    def with_changes(self, **changes) -> WebSettings:
        unknown = set(changes) - set(asdict(self))
        if unknown:
            raise TypeError(f"unknown web settings: {', '.join(sorted(unknown))}")
        return replace(self, **changes)


def nginx_conf_text(spec: HostSpec) -> str:
    log = spec.log_dir
    temp = "\n".join(
        f"    {kind}_temp_path /run/nginx/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""# nginx of lab host {spec.name} (tests/lab/web_conf.py); runs under supervisord
user {WEB_USER};
daemon off;
worker_processes 1;
pid {NGINX_PID};
error_log {log}/nginx-error.log;
events {{ worker_connections 512; }}
http {{
    include {NGINX_DIR}/mime.types;
    default_type application/octet-stream;
    access_log {log}/nginx-access.log;
    sendfile on;
    keepalive_timeout 15;
{temp}
    include {NGINX_DIR}/sites-enabled/*;
}}
"""


def site_conf_text(spec: HostSpec, s: WebSettings) -> str:
    var = WEB_ROOTS[s.web_root]
    return f"""# the lab app on {spec.name}; web_root={s.web_root} (tests/lab/web_conf.py)
server {{
    listen {spec.address}:{WEB_PORT};
    server_name {spec.name};
    root {DEPLOY_PATH}/current/public;
    index index.php;
    # lets a client check which of the two setups answered
    add_header X-Lab-Web-Root {s.web_root} always;
    location / {{
        try_files $uri /index.php?$query_string;
    }}
    location ~ \\.php$ {{
        include {NGINX_DIR}/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME {var}$fastcgi_script_name;
        fastcgi_param DOCUMENT_ROOT {var};
        fastcgi_pass unix:{FPM_SOCKET};
        fastcgi_read_timeout 60s;
    }}
}}
"""


def fpm_conf_text(spec: HostSpec, s: WebSettings) -> str:
    return f"""; php-fpm of lab host {spec.name} (tests/lab/web_conf.py); runs under supervisord
[global]
pid = {FPM_PID}
error_log = {spec.log_dir}/php-fpm.log
daemonize = no
; how long a reload (USR2) or graceful stop (QUIT) waits for requests in flight
process_control_timeout = {s.process_control_timeout}s
include = {FPM_DIR}/pool.d/*.conf
"""


def pool_conf_text(s: WebSettings) -> str:
    spare = max(1, s.max_children // 2)
    return f"""; the lab app's pool (tests/lab/web_conf.py)
[app]
user = {DEPLOY_USER}
group = {DEPLOY_USER}
listen = {FPM_SOCKET}
; nginx's workers reach it through the group; deploy owns it (a FastCGI client over SSH)
listen.owner = {s.socket_owner}
listen.group = {s.socket_group}
listen.mode = {s.socket_mode}
pm = dynamic
pm.max_children = {s.max_children}
pm.start_servers = 2
pm.min_spare_servers = 1
pm.max_spare_servers = {spare}
pm.status_path = {FPM_STATUS_PATH}
ping.path = {FPM_PING_PATH}
catch_workers_output = yes
decorate_workers_output = no
"""


def opcache_ini_text(s: WebSettings) -> str:
    # interned strings live inside memory_consumption: keep them below it for tiny sizes.
    interned = max(1, min(8, s.memory_consumption // 4))
    return f"""; opcache for the lab's php-fpm (tests/lab/web_conf.py)
opcache.enable=1
opcache.validate_timestamps={int(s.validate_timestamps)}
opcache.revalidate_path={int(s.revalidate_path)}
opcache.memory_consumption={s.memory_consumption}
opcache.interned_strings_buffer={interned}
"""


def etc_dir(spec: HostSpec) -> Path:
    """<root>/hosts/hN/etc: holds nginx/ and php-fpm/, bind-mounted inside the host."""
    return spec.dir / "etc"


def outside(spec: HostSpec, inside: str) -> Path:
    """Where a web-tier path inside the host lives outside it."""
    for prefix, local in ((NGINX_DIR, "nginx"), (FPM_DIR, "php-fpm")):
        if inside == prefix or inside.startswith(prefix + "/"):
            return etc_dir(spec) / local / inside[len(prefix) + 1 :]
    if inside.startswith("/run/"):
        return spec.run_dir / inside[len("/run/") :]
    raise ValueError(f"not a web-tier path: {inside}")


def settings_file(spec: HostSpec) -> Path:
    return spec.dir / "web.json"


def load_settings(spec: HostSpec) -> WebSettings:
    return WebSettings(**json.loads(settings_file(spec).read_text()))


def write(spec: HostSpec, s: WebSettings) -> None:
    """Write every web-tier file from `s` (the host's running daemons read them on reload)."""
    files = {
        NGINX_CONF: nginx_conf_text(spec),
        NGINX_SITE: site_conf_text(spec, s),
        FPM_CONF: fpm_conf_text(spec, s),
        FPM_POOL: pool_conf_text(s),
        FPM_INI: opcache_ini_text(s),
    }
    for inside, text in files.items():
        outside(spec, inside).write_text(text)
    settings_file(spec).write_text(json.dumps(asdict(s), indent=2) + "\n")


def provision(spec: HostSpec, s: WebSettings) -> None:
    """Fresh copies of Debian's nginx and FPM config dirs for `spec`, with the lab's files."""
    etc = etc_dir(spec)
    shutil.rmtree(etc, ignore_errors=True)
    shutil.copytree(NGINX_DIR, etc / "nginx", symlinks=True)
    shutil.copytree(FPM_DIR, etc / "php-fpm", symlinks=True)
    for stale in ("sites-enabled/default",):
        (etc / "nginx" / stale).unlink(missing_ok=True)
    (etc / "php-fpm" / "pool.d" / "www.conf").unlink(missing_ok=True)
    write(spec, s)


def boot_lines(spec: HostSpec) -> list[str]:
    """Boot-script lines (after /run is mounted): the host's own config dirs and run dirs."""
    etc = etc_dir(spec)
    return [
        f"mount --bind {etc / 'nginx'} {NGINX_DIR}",
        f"mount --bind {etc / 'php-fpm'} {FPM_DIR}",
        "mkdir -p /run/php /run/nginx && chmod 0755 /run/php /run/nginx",
    ]


def listening(address: str, port: int = WEB_PORT) -> bool:
    try:
        with socket.create_connection((address, port), timeout=1):
            return True
    except OSError:
        return False


def wait_ready(spec: HostSpec, timeout: float) -> None:
    """nginx accepts on the host's address and FPM's socket exists."""
    sock = outside(spec, FPM_SOCKET)
    wait_until(
        lambda: sock.exists() and listening(spec.address),
        timeout,
        f"{spec.name}'s nginx on {spec.address}:{WEB_PORT} and {FPM_SOCKET} "
        f"(logs in {spec.log_dir})",
    )
