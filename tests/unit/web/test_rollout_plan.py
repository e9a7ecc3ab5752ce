"""Which hosts a health-gated switch takes in which batch, and which steps form the segment."""

import pytest

from deploytool.config.model import StepSpec
from deploytool.config.web_model import HealthCheck, Rollout, WebPolicy
from deploytool.rollout import Segment, plan, units

HOSTS = ["w1", "w2", "k1", "w3", "w4"]  # k1 has no web role
WEB = {"w1", "w2", "w3", "w4"}


@pytest.mark.parametrize(
    "rollout, batches",
    [
        (Rollout(), [(tuple(HOSTS), False)]),
        (Rollout(canary=1), [(("w1",), True), (("w2", "k1", "w3", "w4"), False)]),
        (
            Rollout(canary=1, batch="50%"),
            [(("w1",), True), (("w2", "k1"), False), (("w3", "w4"), False)],
        ),
        (
            Rollout(canary=2, batch="1"),
            [(("w1", "w2"), True), (("k1",), False), (("w3",), False), (("w4",), False)],
        ),
        (Rollout(batch="25%"), [(("w1", "w2"), False), (("k1", "w3"), False), (("w4",), False)]),
        (Rollout(canary=4), [(("w1", "w2", "w3", "w4"), True), (("k1",), False)]),
        (Rollout(batch="9"), [(tuple(HOSTS), False)]),
    ],
)
def test_plan(rollout, batches):
    assert plan(HOSTS, WEB, rollout) == batches


class Stage:
    def __init__(self, rollout=None, health=()):
        self.rollout = rollout or Rollout()
        self.web = {"w1": WebPolicy(health=health)}


class Ctx:
    def __init__(self, **kw):
        self.stage = Stage(**kw)


STEPS = [
    StepSpec(n) for n in ("cache", "prepare-web", "switch", "reload-web", "health", "restart-queue")
]


def names(us):
    return [[s.name for s in u.specs] if isinstance(u, Segment) else u.name for u in us]


def test_no_gate_no_segment():
    assert names(units(Ctx(), STEPS)) == [s.name for s in STEPS]


@pytest.mark.parametrize(
    "kw", [{"health": (HealthCheck("/health"),)}, {"rollout": Rollout(canary=1)}]
)
def test_health_checks_or_a_rollout_make_switch_to_health_one_unit(kw):
    assert names(units(Ctx(**kw), STEPS)) == [
        "cache",
        "prepare-web",
        ["switch", "reload-web", "health"],
        "restart-queue",
    ]


def test_a_playbook_without_health_keeps_its_plain_switch():
    steps = [StepSpec(n) for n in ("select-rollback", "switch", "reload-web", "restart-queue")]
    assert names(units(Ctx(rollout=Rollout(canary=1)), steps)) == [s.name for s in steps]
