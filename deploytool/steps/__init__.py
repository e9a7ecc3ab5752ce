"""One module per verb. Each exposes `run(ctx, options) -> str`: small, never prints.
`user` runs the playbook's own steps (`run:`/`artisan:`): it gets the StepSpec, whose `user` says
what to run.

REGISTRY names each verb's module and function; a step's module is imported the first time the
step runs, so a ship pays only for the steps its playbook has (the artifact strategy's build,
upload and tar code, rollback's selection, maintenance, the web tier's steps cost nothing to a
ship that does not use them: tens of milliseconds of the tool's start-up, issue 15).

Not imported ahead on a thread while connecting: under the GIL such a thread competes with the
handshakes' own Python on the transport's thread and with the start-up on the main one."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

# verb -> (module in this package, function)
_WHERE = {
    "pull": ("pull", "run"),
    "build": ("build", "run"),
    "upload": ("upload", "run"),
    "verify": ("verify", "run"),
    "extract": ("extract", "run"),
    "install": ("install", "run"),
    "check-migrations": ("check_migrations", "run"),
    "maintenance-down": ("maintenance", "down"),
    "migrate": ("migrate", "run"),
    "cache": ("cache", "run"),
    "prepare-web": ("prepare_web", "run"),
    "switch": ("switch", "run"),
    "reload-web": ("reload_web", "run"),
    "health": ("health", "run"),
    "restart-queue": ("restart_queue", "run"),
    "drain": ("drain", "run"),
    "maintenance-up": ("maintenance", "up"),
    "cleanup": ("cleanup", "run"),
    "select-rollback": ("select_rollback", "run"),
    "discard": ("discard", "run"),
    "user": ("user", "run"),  # a playbook's own steps (run:/artisan:), never named in `steps:`
}


class Registry(Mapping[str, Callable]):
    """verb -> step function, importing the step's module on first use."""

    def __init__(self, where: Mapping[str, tuple[str, str]]):
        self._where = dict(where)

    def __getitem__(self, verb: str) -> Callable:
        module, fn = self._where[verb]
        return getattr(importlib.import_module(f".{module}", __name__), fn)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


REGISTRY = Registry(_WHERE)
