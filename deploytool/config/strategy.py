"""The pipeline the inventory asks for: a loaded playbook adapted to `application.strategy` and
`application.maintenance`, once, when the playbook loads, so the runner only ever sees a list of
registered steps.

strategy `git` (default): the playbook as written (`pull` + `install` on every host).
strategy `artifact`: `pull` becomes `build` (here, once), `upload`, `verify`, `extract`;
`install` runs inside `build` (its `command` option goes with it), then the playbook's `build:`
steps, there too; the rest is unchanged. Under `git`, the `build:` steps run on every host right
after `install`.
maintenance `auto` / `always`: `maintenance-down` before `migrate`, `maintenance-up` after the
drain, and `maintenance-up` first in `on_failure` (which lifts it only if nothing was migrated
yet).
A playbook that lists these steps itself is left as it is.
"""

from __future__ import annotations

import dataclasses

from ..errors import ConfigError
from .model import Application, Playbook, StepSpec

ARTIFACT_STEPS = ("build", "upload", "verify", "extract")


def for_application(pb: Playbook, app: Application) -> Playbook:
    steps, on_failure = pb.steps, pb.on_failure
    if app.strategy == "artifact":
        steps = _artifact(pb)  # the build step runs pb.build itself, in the tree it builds
    elif pb.build:
        steps = _build_on_hosts(steps, pb.build)
    if app.maintenance != "never":
        steps, on_failure = _maintenance(steps, on_failure)
    if (steps, on_failure) == (pb.steps, pb.on_failure):
        return pb
    return dataclasses.replace(pb, steps=steps, on_failure=on_failure)


def _names(specs: tuple[StepSpec, ...]) -> list[str]:
    return [s.name for s in specs]


def _artifact(pb: Playbook) -> tuple[StepSpec, ...]:
    names = _names(pb.steps)
    if "upload" in names:
        return pb.steps
    if "pull" not in names:
        raise ConfigError(
            [
                f"{pb.path}: application.strategy: artifact replaces the playbook's `pull` step, "
                f"and playbook {pb.name!r} has none"
            ],
            "list " + ", ".join(ARTIFACT_STEPS) + " in the playbook yourself",
        )
    install = next((s for s in pb.steps if s.name == "install"), None)
    command = install.options.get("command") if install is not None else None
    build_opts = {"install": command} if command else {}
    out: list[StepSpec] = []
    for s in pb.steps:
        if s.name == "pull":
            out.append(StepSpec("build", build_opts))
            out += [StepSpec(n) for n in ARTIFACT_STEPS[1:]]
        elif s.name != "install":
            out.append(s)
    return tuple(out)


def _build_on_hosts(steps: tuple[StepSpec, ...], build: tuple[StepSpec, ...]):
    """strategy git: every host builds its own release, so the `build:` steps run there, in the
    new release, right after the install (or the pull)."""
    names = _names(steps)
    anchor = next((n for n in ("install", "pull") if n in names), None)
    at = names.index(anchor) + 1 if anchor else 0
    return steps[:at] + build + steps[at:]


def _maintenance(
    steps: tuple[StepSpec, ...], on_failure: tuple[StepSpec, ...]
) -> tuple[tuple[StepSpec, ...], tuple[StepSpec, ...]]:
    names = _names(steps)
    if "maintenance-down" in names:
        return steps, on_failure
    down_at = next((names.index(n) for n in ("migrate", "switch") if n in names), len(names))
    out = list(steps)
    out.insert(down_at, StepSpec("maintenance-down"))
    names = _names(tuple(out))
    after = [names.index(n) for n in ("drain", "restart-queue", "switch") if n in names]
    out.insert(max([down_at, *after]) + 1, StepSpec("maintenance-up"))
    failure = on_failure
    if "maintenance-up" not in _names(on_failure):
        # before discard: the lift runs in the release the failed ship built
        failure = (StepSpec("maintenance-up"), *on_failure)
    return tuple(out), failure


def install_command(pb: Playbook, app: Application) -> tuple[str, ...]:
    """What the build runs to install dependencies: the playbook's `install` (or `build`) option,
    else application.install_command, else composer install --no-dev ..."""
    for s in pb.steps:
        chosen = s.options.get({"install": "command", "build": "install"}.get(s.name, ""))
        if chosen:
            return tuple(str(a) for a in chosen)  # type: ignore[union-attr]
    return app.install_argv
