"""The step registry imports a step's module when the step first runs: a ship pays start-up only
for the steps its playbook has (issue 15)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from deploytool.steps import REGISTRY


def fresh(code: str) -> str:
    """Run `code` in a new interpreter (this one has imported every step already)."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_every_verb_resolves_to_its_step_function():
    for verb in REGISTRY:
        assert callable(REGISTRY[verb]), verb
    assert REGISTRY["maintenance-down"].__name__ == "down"
    assert REGISTRY["maintenance-up"].__name__ == "up"


def test_a_step_module_is_imported_only_when_its_step_is_asked_for():
    got = fresh(
        """
        import sys
        from deploytool.steps import REGISTRY
        before = "deploytool.steps.build" in sys.modules
        REGISTRY["build"]
        m = sys.modules
        print(before, "deploytool.steps.build" in m, "deploytool.steps.upload" in m)
        """
    )
    assert got == "False True False"
