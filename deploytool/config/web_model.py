"""The web tier's typed settings: what reload-web, health, the web census and the rollout read
(application.web < stages.S.web < roles, merged by config/webconf.py; docs/web.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HealthCheck:
    """One check a web host must pass after the switch, asked from the host itself (docs/web.md):
    `url` with {address} and {name} filled in per host, or a path under web.url."""

    url: str
    status: int = 200
    body: str = ""  # a substring the answer's body must contain ("" = any body)
    timeout: float = 5.0
    retries: int = 2  # attempts after the first failure, `interval` apart
    interval: float = 1.0


@dataclass(frozen=True)
class AppProbe:
    """The app's own endpoint, asked beside the built-in probe: its body must contain `expect`
    with {release} filled in (e.g. `"release":"{release}"`)."""

    url: str
    expect: str = "{release}"


@dataclass(frozen=True)
class WebPolicy:
    """A web host's settings, merged from application.web < stages.S.web < their roles, key by
    key like the drain policy (config/webconf.py). Only hosts with the `web` role have one."""

    strategy: str = "opcache-reset"  # opcache-reset | fpm-reload | none
    socket: str = "/run/php/php-fpm.sock"  # the FPM pool's unix socket (Debian's stable name)
    reload_command: tuple[str, ...] = ()  # fpm-reload: argv, run as the deploy user
    pid_file: str = ""  # fpm-reload without reload_command: USR2 to the pid in this file
    url: str = "http://127.0.0.1"  # what the host serves, asked from the host itself
    host_header: str = ""  # the Host header of those requests ("" = the URL's host)
    public_dir: str = "public"  # the web root inside a release: the probe goes there
    verify: bool = True  # the built-in probe: the new release answers before the ship says done
    probe: AppProbe | None = None
    settle: float = 30.0  # how long a health check waits for the new release to answer first
    health: tuple[HealthCheck, ...] = ()
    longest_request: float = 0.0  # doctor: 0 = the pool's request_terminate_timeout


@dataclass(frozen=True)
class Rollout:
    """How the switch goes through a stage's hosts: the canary web hosts first, then the rest in
    batches, each batch switched, reloaded and health-checked before the next (per stage)."""

    canary: int = 0
    batch: str = "100%"  # a host count or a percentage of the hosts after the canary
    on_unhealthy: str = "rollback"  # rollback | stop

    @property
    def staged(self) -> bool:
        return self.canary > 0 or self.batch != "100%"
