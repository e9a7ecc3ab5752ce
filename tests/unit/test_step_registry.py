"""The step registry imports a step's module when the step first runs, or when a ship warms it
while connecting: a ship pays start-up only for the steps its playbook has (issue 15)."""

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


def test_warm_imports_the_steps_of_a_ship_on_a_thread_of_its_own():
    got = fresh(
        """
        import sys, time
        from deploytool.steps import REGISTRY
        # an unknown verb is left for the step to report
        REGISTRY.warm(["upload", "extract", "no-such-verb"])
        deadline = time.monotonic() + 30
        want = ("deploytool.steps.upload", "deploytool.steps.extract")
        while not all(m in sys.modules for m in want) and time.monotonic() < deadline:
            time.sleep(0.01)
        loaded = all(m in sys.modules for m in want)
        print(loaded, "deploytool.steps.select_rollback" in sys.modules)
        """
    )
    assert got == "True False"
