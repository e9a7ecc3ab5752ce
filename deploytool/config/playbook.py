"""Load a playbook: YAML in, a frozen Playbook out, every error located at file:line:col.

A playbook names its steps in order (`steps:`), what runs when one of them fails before the
switch (`on_failure:`, by default `[discard]`: the half-built release is removed) and the
rollback's steps (`rollback:`). Built-in playbooks live in the top-level playbooks/ folder and
ship inside the wheel as deploytool/playbooks.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..errors import ConfigError
from .model import Playbook, StepSpec
from .validate import Checker, F, _did_you_mean, compose

STEP = {"step": F("str", required=True), "with": F("any")}
LISTS = ("steps", "on_failure", "rollback")
FIELDS = ("name", "description", *LISTS)
DEFAULT_ON_FAILURE = (StepSpec("discard"),)


def builtin_playbooks() -> Path:
    """The playbooks shipped with deploytool. The source is the top-level playbooks/ folder; a
    wheel carries it as deploytool/playbooks (pyproject.toml maps one onto the other)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "playbooks"
    return installed if installed.is_dir() else package.parent / "playbooks"


def find_playbook(name: str, inventory_path: Path) -> Path:
    """A playbook named in the inventory: a path, or a name looked up next to the inventory
    (playbooks/NAME.yml) and then among the built-in playbooks."""
    if name.endswith((".yml", ".yaml")) or "/" in name:
        p = Path(os.path.expanduser(name))
        return p if p.is_absolute() else inventory_path.parent / p
    for base in (inventory_path.parent / "playbooks", builtin_playbooks()):
        if (base / f"{name}.yml").is_file():
            return base / f"{name}.yml"
    names = ", ".join(sorted(p.stem for p in builtin_playbooks().glob("*.yml")))
    raise ConfigError(
        [f"{inventory_path}: application.playbook: no playbook named {name!r}"],
        f"built-in playbooks: {names}",
    )


def load_playbook(path: Path, known_steps: tuple[str, ...]) -> Playbook:
    root = compose(path)
    ck = Checker(str(path))
    lists: dict[str, tuple[StepSpec, ...]] = {}
    name = path.stem
    if not isinstance(root, yaml.MappingNode):
        ck.error(root, "", "a playbook is a mapping with `steps:`")
    else:
        for kn, vn in root.value:
            key = kn.value
            if key not in FIELDS:
                ck.error(kn, key, "unknown key" + _did_you_mean(key, FIELDS))
            elif key == "name":
                name = str(ck.value(vn, F("str"), key) or name)
            elif key in LISTS:
                lists[key] = _steps(ck, vn, key, known_steps)
        if "steps" not in lists:
            ck.error(root, "steps", "required key is missing")
    if ck.problems:
        raise ConfigError(ck.problems)
    steps = lists["steps"]
    return Playbook(
        name=name,
        path=path,
        steps=steps,
        rollback=lists.get("rollback", ()),
        on_failure=lists.get("on_failure", DEFAULT_ON_FAILURE),
        worker_pattern=_option(steps, "drain", "pattern"),
        restart_scope=str(
            _option(steps + lists.get("rollback", ()), "restart-queue", "scope") or "once"
        ),
        keep_releases=_int(_option(steps, "cleanup", "keep")),
    )


def _option(specs: tuple[StepSpec, ...], step: str, key: str) -> object | None:
    return next((s.options[key] for s in specs if s.name == step and s.options.get(key)), None)


def _int(value: object | None) -> int | None:
    return None if value is None else int(value)


def _steps(ck: Checker, node: yaml.Node, key: str, known: tuple[str, ...]) -> tuple[StepSpec, ...]:
    if not isinstance(node, yaml.SequenceNode):
        ck.error(node, key, "expected a list of steps")
        return ()
    out = []
    for i, item in enumerate(node.value):
        kp = f"{key}[{i}]"
        if isinstance(item, yaml.ScalarNode):
            spec = StepSpec(str(item.value))
        else:
            d = ck.obj(item, STEP, kp)
            if not d or "step" not in d:
                continue
            spec = StepSpec(d["step"], d.get("with", {}))
        if spec.name not in known:
            ck.error(item, kp, f"unknown step {spec.name!r}{_did_you_mean(spec.name, known)}")
            continue
        out.append(spec)
    return tuple(out)
