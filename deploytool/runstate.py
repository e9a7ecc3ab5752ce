"""What one run learns as it goes, shared by its steps through the Context: the release it built,
who was switched from what and when, the drain's figures, the web tier's state, a rollout's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ShipState:
    """What a run learns as it goes (the release it built, who switched, when the restart went)."""

    release: str = ""
    commit: str = ""
    previous: dict[str, str] = field(default_factory=dict)  # host -> release before the switch
    switched: set[str] = field(default_factory=set)
    switch_time: float = 0.0
    restart_sent_at: float = 0.0
    step_durations: list[tuple[str, float]] = field(default_factory=list)
    drain: dict = field(default_factory=dict)  # figures for the summary/audit
    lost_hosts: set[str] = field(default_factory=set)
    token: str = ""  # marks our remote processes
    in_switch: bool = False  # never stop commands mid-switch
    # this run created releases/<release> (pull, upload): only then may discard remove it
    built: bool = False
    failed_step: str = ""  # the step whose failure (or cancel) started the on_failure list
    scope: frozenset[str] | None = None  # a rollout batch: the hosts steps act on (rollout.py)
    back_to: str = ""  # an unhealthy rollout going back: the release select-rollback takes
    web: dict = field(default_factory=dict)  # the web tier's run state (steps/prepare_web.py)
    artifact: Any = None  # the artifact.envelope.Artifact this ship deploys (strategy: artifact)
    gate: Any = None  # the gate's Report of this release's pending migrations (check-migrations)
    down: tuple[str, ...] = ()  # hosts this run put in maintenance mode (maintenance-down)
    down_inherited: bool = False  # or a dead run did, and this one adopted it (recover.py)
    # values made by this run (the bypass secret), redacted like the inventory's secrets
    secrets: list[str] = field(default_factory=list)
