"""One module per verb. Each exposes `run(ctx, options) -> str`: small, never prints.
`user` runs the playbook's own steps (`run:`/`artisan:`): it gets the StepSpec, whose `user` says
what to run.

REGISTRY names each verb's module and function; a step's module is imported the first time the
step runs, so a ship pays only for the steps its playbook has (the artifact strategy's build,
upload and tar code, rollback's selection, maintenance, the web tier's steps cost nothing to a
ship that does not use them: tens of milliseconds of the tool's start-up, issue 15), and
`warm()` imports the ones a ship will run while it connects."""

from __future__ import annotations

import importlib
import threading
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

    def warm(self, verbs) -> None:
        """Import these verbs' modules on a thread of its own: a ship calls this before it
        connects, so the imports run while the handshakes wait on the hosts instead of as a gap
        before each step's first command. An import error is left for the step to raise."""

        def load() -> None:
            for verb in dict.fromkeys(verbs):
                try:
                    self[verb]
                except Exception:  # noqa: BLE001 - the step itself reports it when it runs
                    pass

        threading.Thread(target=load, name="deploytool-warm-steps", daemon=True).start()


REGISTRY = Registry(_WHERE)
