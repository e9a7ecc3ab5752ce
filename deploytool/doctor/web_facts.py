"""What doctor knows about one host's web tier, and how it is gathered (two round trips).

1. The config files the deploy user can read (probes/web_conf.py), read as nginx and php-fpm
   do (doctor/nginx_conf.py, doctor/fpm_conf.py).
2. One FastCGI request to the FPM socket as the deploy user (probes/fpm.py `status`): whether
   the socket lets it in, and opcache's settings and memory as FPM runs them.
Hosts: those with web settings (application.web and the `web` role); in a stage without any web
settings, a `web` host where an nginx or php-fpm master runs is checked against `strategy:
none`, which is what a ship does there: the socket asked is the first pool's unix `listen`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config.web_model import WebPolicy
from ..probes.fpm import FpmAnswer, Opcache, fpm_command, opcache_of, parse_fpm
from ..probes.web_conf import WebConf, parse_web_conf, web_conf_command
from . import fpm_conf, nginx_conf

STEP = "doctor"


@dataclass(frozen=True)
class WebFacts:
    strategy: str  # the configured reload strategy ("none" without application.web)
    configured: bool
    socket: str
    longest_request: float  # web.longest_request (0: not set)
    conf: WebConf
    nginx: nginx_conf.NginxSites
    fpm: fpm_conf.FpmSettings | None
    answer: FpmAnswer
    opcache: Opcache | None


def _run(ctx, host, command) -> tuple[int, str, str]:
    r = ctx.run(host, command, STEP, timeout=60, check=False)
    return r.exit_code, r.stdout, r.stderr


def read_web(ctx, host) -> WebFacts | None:
    policy = ctx.inventory.web_policy(ctx.stage, host)
    if policy is None and (ctx.stage.web or "web" not in host.roles):
        return None
    conf = parse_web_conf(*_run(ctx, host, web_conf_command(ctx.app.php)))
    if policy is None and not (conf.nginx.running or conf.fpm.running):
        return None  # a `web` host without a web tier of its own (behind another proxy)
    fpm = fpm_conf.settings(conf.fpm.files, conf.fpm.main) if conf.fpm.files else None
    web = policy or WebPolicy(strategy="none", socket=_pool_socket(fpm))
    ask = fpm_command(ctx.app.php, web.socket, ctx.app.deploy_path + "/.deploytool", "status")
    answer = parse_fpm(*_run(ctx, host, ask), web.socket)
    return WebFacts(
        web.strategy,
        policy is not None,
        web.socket,
        web.longest_request,
        conf,
        nginx_conf.sites(conf.nginx.files, conf.nginx.main, ctx.app.deploy_path),
        fpm,
        answer,
        opcache_of(answer),
    )


def _pool_socket(fpm: fpm_conf.FpmSettings | None) -> str:
    for pool in fpm.pools if fpm else ():
        if pool.listen.startswith("/"):
            return pool.listen
    return WebPolicy().socket
