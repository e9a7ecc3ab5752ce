"""Draining: until no worker runs old code, escalating only where policy allows.

    decide.py    pure: the one definition of an old worker, one host's decision, a rung's targets
    drainer.py   the stage as a state machine over census rounds, and the loop (injected clock)
    census.py    the one census source: a watcher per host, polling as the fallback
    signal.py    the guarded command that signals a worker (re-checked on the host)
    reach.py     did queue:restart reach a host whose old workers do not react?
    messages.py  every sentence the drain says
    run.py       one stage's drain in a ship or rollback: rounds -> actions and events

The semantics are documented for users in docs/drain.md.
"""

from .decide import (
    Decision,
    Done,
    Escalate,
    GiveUp,
    OldWorker,
    Wait,
    batch_size,
    classify,
    decide,
    is_old,
    live_new_roots,
    plan_batches,
    roots,
    targets,
    verdict,
)
from .drainer import Batch, Drainer, Round, Track, watch

__all__ = [
    "Batch",
    "Decision",
    "Done",
    "Drainer",
    "Escalate",
    "GiveUp",
    "OldWorker",
    "Round",
    "Track",
    "Wait",
    "batch_size",
    "classify",
    "decide",
    "is_old",
    "live_new_roots",
    "plan_batches",
    "roots",
    "targets",
    "verdict",
    "watch",
]
