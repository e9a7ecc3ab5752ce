"""What doctor knows about one host: plain frozen data, gathered by inspect.py, read by the
rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config.model import WorkerKind
from ..probes.census import Census
from ..probes.laravel_config import AppConfig
from ..probes.php_runtime import PhpRuntime
from ..probes.supervisor_conf import ProcessStatus, SupervisorConfig
from ..probes.systemd_unit import Unit
from .web_facts import WebFacts


@dataclass(frozen=True)
class Current:
    path: str  # <deploy_path>/current
    exists: bool  # the link resolves to a directory
    is_symlink: bool
    target: str  # resolved path ("" when dangling or missing)


@dataclass(frozen=True)
class HostFacts:
    host: str
    deploy_path: str
    hosts_in_stage: int
    current: Current
    supervisor: SupervisorConfig | None  # None: no supervisord running or its config unreadable
    supervisor_error: str = ""
    status: Mapping[str, ProcessStatus] = field(default_factory=dict)
    status_error: str = ""
    units: tuple[Unit, ...] = ()
    systemd: bool = False
    php: Mapping[str, PhpRuntime] = field(default_factory=dict)  # by binary as the workers name it
    app: AppConfig | None = None
    census: Census | None = None
    unreachable: str = ""  # set when nothing else could be read
    kinds: tuple[WorkerKind, ...] = (WorkerKind(),)  # application.workers, for the kind rules
    web: WebFacts | None = None  # a host with a web tier (doctor/web_facts.py)
