"""What the user said, as frozen dataclasses. Read this file (and web_model.py, the web tier's
settings) to know every config key.

The loader (loader.py) fills these from YAML and reports every problem with file:line:col; nothing
here parses text. Secrets are `Secret` values: they render as *** everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..redaction import Secret  # noqa: F401 - re-exported: config values are Secrets
from .user_step_model import UserStep
from .web_model import Rollout, WebPolicy


@dataclass(frozen=True)
class SSHSettings:
    user: str
    identity_file: str | None = None
    known_hosts: str = "~/.ssh/known_hosts"
    connect_timeout: float = 10.0
    jump_host: str | None = None  # user@host:port of a bastion (ProxyJump)
    transport: str = "asyncssh"  # asyncssh | fabric (transport/__init__.py: open_transport)
    # SSH handshakes in flight at once: Kamal saw DNS failures and fd exhaustion at 90+
    max_concurrent_connects: int = 30
    # asyncssh only: `persistent` (the default), one runner per host runs every command after the
    # first (transport/asyncssh_runner.py), falling back to channels where it cannot start;
    # `channel`, a session channel (and a login shell) per command. Persistent because the whole
    # suite passed with it (3,632 tests) and a step at 500 hosts costs 0.77-0.97x the bare loop
    # against 0.92-1.13x (docs/performance.md)
    runner: str = "persistent"


@dataclass(frozen=True)
class Host:
    address: str
    name: str
    port: int = 22
    user: str | None = None  # overrides the stage's ssh.user
    roles: tuple[str, ...] = ("web", "worker")
    migrate: bool = False


@dataclass(frozen=True)
class Rung:
    """One step of the escalation ladder: after `after` seconds of a host's drain, do `action`
    to that host's old workers (docs/drain.md has the exact semantics)."""

    after: float
    action: str  # term | supervisor-restart | kill | cont


@dataclass(frozen=True)
class DrainPolicy:
    """How long to wait for old workers and what to do then. Resolved per host: application.drain,
    then stages.S.drain, then drain.roles.R of the host's roles (key by key; docs/drain.md)."""

    deadline: float = 600.0
    poll: float = 1.0
    on_timeout: str = "abort"  # abort | escalate | wait
    ladder: tuple[Rung, ...] = ()
    remind_every: float = 300.0  # with on_timeout: wait
    unreached_after: float = 30.0  # no old worker reacted to queue:restart: say so
    restart_mode: str = "cache"  # cache (queue:restart) | signal (rolling SIGTERM)
    batch: str = "1"  # signal mode: hosts per batch, a number or a percentage


RESTART_SIGNALS = ("TERM", "INT", "QUIT", "HUP", "USR1", "USR2")


def restart_signal(restart: str) -> str | None:
    """The signal a `restart:` names (the drain sends it), else None."""
    return restart if restart in RESTART_SIGNALS else None


def restarts_via_cache(restart: str) -> bool:
    """Restarted through the queue:restart key (horizon:terminate writes it too): the kinds a
    rolling signal mode restarts itself instead, and whose restart reach the drain checks."""
    return restart in ("queue:restart", "horizon:terminate")


@dataclass(frozen=True)
class WorkerKind:
    """One kind of long-running process the drain waits for (config/workersconf.py reads them):
    what its command line matches, how a ship restarts it, whose processes escalation may touch.
    Its drain policy is resolved per host: Inventory.drain_policy(stage, host, kind)."""

    name: str = "queue"
    pattern: str = "artisan queue:work"
    # queue:restart (the cache key, sent once) | horizon:terminate (on every host) | none (wait
    # for it to end on its own) | a signal in RESTART_SIGNALS the drain sends to its old processes
    restart: str = "queue:restart"
    user: str | None = None  # escalation touches only this user's processes (else the SSH user)
    queues: tuple[str, ...] = ()  # the queues drain-status reports figures for

    @property
    def signal(self) -> str | None:
        return restart_signal(self.restart)

    @property
    def via_cache(self) -> bool:
        return restarts_via_cache(self.restart)


@dataclass(frozen=True)
class MigrationSettings:
    policy: str = "block"  # block | warn | off
    dialect: str = "auto"  # auto | mysql | pgsql | sqlite
    rules: Mapping[str, str] = field(default_factory=dict)
    sql_dir: str | None = None  # raw .sql migrations (non-Laravel apps), relative to the release
    sql_table: str = "schema_migrations"  # where applied versions are recorded...
    sql_column: str = "version"  # ...in this column (probes/raw_migrations.py)
    database_url: str | None = (
        None  # a Secret: mysql://, postgres://, sqlite:/// (the client's connection)
    )


@dataclass(frozen=True)
class Notify:
    """A Slack-compatible webhook told about ships (see notify.py)."""

    webhook: str  # always a Secret: webhook URLs carry their token
    on: tuple[str, ...] = ("start", "success", "failure")


@dataclass(frozen=True)
class Application:
    name: str
    repository: str
    deploy_path: str
    branch: str = "main"
    shared_files: tuple[str, ...] = (".env",)
    shared_dirs: tuple[str, ...] = ("storage",)
    keep_releases: int = 5
    php: str = "php"
    composer: str = "composer"
    install_command: tuple[str, ...] | None = None
    playbook: str = "laravel"
    strategy: str = "git"  # git (pull + install on every host) | artifact (built once here)
    # never | auto (down when the gate lets a change the old code cannot survive through) | always
    maintenance: str = "never"
    command_timeout: float = 900.0
    lock_lease: float = 60.0  # the deploy lock's lease; a dead holder's lock expires after it
    workers: tuple[WorkerKind, ...] = (WorkerKind(),)
    workers_listed: bool = False  # `workers:` is a list of kinds (not the single pattern form)
    drain: DrainPolicy = DrainPolicy()
    migrations: MigrationSettings = MigrationSettings()
    env: Mapping[str, str] = field(default_factory=dict)
    notify: Notify | None = None
    batch: str = ""  # rolling window per step: `10` or `10%` of the hosts ("" = all at once)

    @property
    def worker_user(self) -> str | None:
        return self.workers[0].user

    @property
    def worker_queues(self) -> tuple[str, ...]:
        """The queues drain-status reports (empty: the connection's default), over every kind."""
        return tuple(dict.fromkeys(q for k in self.workers for q in k.queues))

    @property
    def install_argv(self) -> tuple[str, ...]:
        if self.install_command:
            return self.install_command
        return (
            self.composer,
            "install",
            "--no-dev",
            "--prefer-dist",
            "--optimize-autoloader",
            "--no-interaction",
        )


@dataclass(frozen=True)
class Stage:
    name: str
    hosts: tuple[Host, ...]
    ssh: SSHSettings
    confirm: bool = False
    batch: str | None = None  # overrides application.batch
    drain: DrainPolicy | None = None  # application.drain merged with stages.S.drain
    host_drain: Mapping[str, DrainPolicy] = field(
        default_factory=dict
    )  # host name -> policy with its roles'
    # kind -> host name -> policy, for the kinds with a policy of their own (workers[K].drain,
    # stages.S.drain.kinds.K)
    kind_drain: Mapping[str, Mapping[str, DrainPolicy]] = field(default_factory=dict)
    # `--limit`: the stage's hosts left out. Nothing touches them, except that the deploy lock
    # lives on the migration host wherever it is (commands/common.py:open_stage).
    outside: tuple[Host, ...] = ()
    web: Mapping[str, WebPolicy] = field(default_factory=dict)  # web-role host name -> settings
    rollout: Rollout = Rollout()

    @property
    def migration_host(self) -> Host:
        return next(h for h in self.hosts + self.outside if h.migrate)

    @property
    def migration_host_selected(self) -> bool:
        return any(h.migrate for h in self.hosts)


@dataclass(frozen=True)
class Inventory:
    path: Path
    application: Application
    stages: Mapping[str, Stage]

    def secrets(self) -> tuple[str, ...]:
        found = [str(v) for v in self.application.env.values() if isinstance(v, Secret)]
        if self.application.notify is not None:
            found.append(str(self.application.notify.webhook))
        url = self.application.migrations.database_url
        if url:
            # the whole URL, and its password alone (it travels as the client's
            # MYSQL_PWD/PGPASSWORD)
            found.append(str(url))
            password = unquote(urlsplit(str(url)).password or "")
            if password:
                found.append(password)
        return tuple(found)

    def drain_policy(
        self, stage: Stage, host: Host | None = None, kind: str | None = None
    ) -> DrainPolicy:
        if host is not None and host.name in stage.kind_drain.get(kind or "", {}):
            return stage.kind_drain[kind or ""][host.name]
        if host is not None and host.name in stage.host_drain:
            return stage.host_drain[host.name]
        return stage.drain or self.application.drain

    def web_policy(self, stage: Stage, host: Host) -> WebPolicy | None:
        """The host's web settings; None when it has no `web` role or no web tier is configured."""
        return stage.web.get(host.name)


@dataclass(frozen=True)
class StepSpec:
    """One entry of a playbook: a built-in step's name and its options, or a user step (its
    `name` is the one it was given or derived from its argv)."""

    name: str
    options: Mapping[str, object] = field(default_factory=dict)
    user: UserStep | None = None

    @property
    def verb(self) -> str:
        """The registry entry that runs this step (steps/__init__.py)."""
        return "user" if self.user is not None else self.name


@dataclass(frozen=True)
class Playbook:
    """A pipeline as data: the ship's steps, what runs when one of them fails, the rollback's
    steps. Settings that more than one step (or command) reads are resolved when the playbook
    loads (config/playbook.py), so nothing outside the runner needs to look inside a step."""

    name: str
    path: Path
    steps: tuple[StepSpec, ...]
    rollback: tuple[StepSpec, ...] = ()
    extends: Path | None = None  # the playbook this one was built on (`extends:`)
    on_failure: tuple[StepSpec, ...] = ()  # after a failure (or a cancel) in `steps`
    build: tuple[StepSpec, ...] = ()  # `build:` user steps: make the release tree (strategy.py)
    worker_pattern: str | None = None  # the drain step's `pattern` (Horizon), else workers.pattern
    worker_pattern_at: str = ""  # file:line:col of that `pattern` (an error with listed kinds)
    restart_command: tuple[str, ...] = ()  # restart-queue `command` (e.g. horizon:terminate)
    restart_scope: str = "once"  # restart-queue `scope`: once (a shared cache) | every host
    keep_releases: int | None = None  # cleanup `keep`, else application.keep_releases

    def secrets(self) -> tuple[str, ...]:
        """${env:NAME} values of the user steps' `env:` (redacted like the inventory's)."""
        specs = self.steps + self.rollback + self.on_failure + self.build
        return tuple(
            str(v)
            for s in specs
            if s.user is not None
            for v in s.user.env.values()
            if isinstance(v, Secret)
        )
