"""What one run learns as it goes, shared by its steps through the Context: the release it built,
who was switched from what and when, the drain's figures, the web tier's state, a rollout's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    built: bool = (
        False  # this run created releases/<release> (pull): only then may discard remove it
    )
    failed_step: str = ""  # the step whose failure (or cancel) started the on_failure list
    scope: frozenset[str] | None = None  # a rollout batch: the hosts steps act on (rollout.py)
    back_to: str = ""  # an unhealthy rollout going back: the release select-rollback takes
    web: dict = field(default_factory=dict)  # the web tier's run state (steps/prepare_web.py)
