"""Load a playbook: YAML in, a frozen Playbook out, every error located at file:line:col.

A playbook names its steps in order (`steps:`), what runs when one of them fails before the
switch (`on_failure:`, always after `discard`, which removes the half-built release) and the
rollback's steps (`rollback:`). Or it builds on another (`extends: laravel`, a built-in name, a
name next to it or a path) and adds user steps `before:`/`after:` the steps it names. User steps
(`run:`/`artisan:`, config/user_steps.py) may also be listed in `steps:` themselves. Built-in
playbooks live in the top-level playbooks/ folder and ship inside the wheel as
deploytool/playbooks.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..errors import ConfigError
from . import user_steps
from .model import Playbook, StepSpec
from .user_step_model import PLACEHOLDERS
from .validate import Checker, F, _did_you_mean, child, compose

STEP = {"step": F("str", required=True), "with": F("any")}
LISTS = ("steps", "on_failure", "rollback")
HOOKS = ("before", "after")
FIELDS = ("name", "description", "extends", *LISTS, *HOOKS, "build")
# `build:` steps run once per build in the tree being built: no hosts to pick, no release yet
NOT_BUILD = ("roles", "once", "cwd", "local", "when_changed", "timeout", "ignore_failure")
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


def load_playbook(
    path: Path,
    known_steps: tuple[str, ...],
    roles: frozenset[str] | None = None,
    _chain: tuple[Path, ...] = (),
) -> Playbook:
    """The playbook at `path`. `known_steps` are the built-in step names; `roles`, when given
    (the inventory's), is what a user step's `roles:` may name."""
    root = compose(path)
    ck = Checker(str(path))
    known = tuple(k for k in known_steps if k != "user")
    lists: dict[str, tuple[StepSpec, ...]] = {}
    nodes: dict[str, yaml.Node] = {}
    name, base = path.stem, None
    if not isinstance(root, yaml.MappingNode):
        ck.error(root, "", "a playbook is a mapping with `steps:` or `extends:`")
        raise ConfigError(ck.problems)
    for kn, vn in root.value:
        key = kn.value
        nodes[key] = vn
        if key not in FIELDS:
            ck.error(kn, key, "unknown key" + _did_you_mean(key, FIELDS))
        elif key == "name":
            name = str(ck.value(vn, F("str"), key) or name)
        elif key == "extends":
            base = _base(ck, vn, path, known, roles, _chain + (path.resolve(),))
        elif key in LISTS:
            lists[key] = _steps(ck, vn, key, known, roles)
        elif key == "build":
            lists[key] = _build(ck, vn, roles)
    if "steps" in lists and "extends" in nodes:
        ck.error(nodes["steps"], "steps", "give `extends:` or `steps:`, not both")
    elif "steps" not in lists and "extends" not in nodes:
        ck.error(root, "steps", "required key is missing (or build on one: `extends: laravel`)")
    steps = base.steps if base is not None else lists.get("steps", ())
    for key in HOOKS:
        if key in nodes:
            steps = _hooks(ck, nodes[key], key, steps, known, roles)
    rollback = lists.get("rollback", base.rollback if base is not None else ())
    on_failure = _failure_list(
        base.on_failure if base is not None else DEFAULT_ON_FAILURE, lists.get("on_failure", ())
    )
    _unique(ck, nodes, steps, rollback)
    if ck.problems:
        raise ConfigError(ck.problems)
    return Playbook(
        name=name,
        path=path,
        steps=steps,
        rollback=rollback,
        on_failure=on_failure,
        build=lists.get("build", base.build if base is not None else ()),
        extends=base.path if base is not None else None,
        worker_pattern=_option(steps, "drain", "pattern"),
        worker_pattern_at=_where(ck, nodes, "drain", "pattern"),
        restart_command=tuple(_option(steps, "restart-queue", "command") or ()),
        restart_scope=str(_option(steps + rollback, "restart-queue", "scope") or "once"),
        keep_releases=_int(_option(steps, "cleanup", "keep")),
    )


def _base(ck, node, path, known, roles, chain) -> Playbook | None:
    """The playbook `extends:` names: a path, a name next to this one, or a built-in."""
    ref = ck.value(node, F("str"), "extends")
    if ref is None:
        return None
    ref = str(ref)
    if ref.endswith((".yml", ".yaml")) or "/" in ref:
        p = Path(os.path.expanduser(ref))
        candidates = [p if p.is_absolute() else path.parent / p]
    else:
        candidates = [path.parent / f"{ref}.yml", builtin_playbooks() / f"{ref}.yml"]
    found = next((c for c in candidates if c.is_file() and c.resolve() != path.resolve()), None)
    if found is None:
        names = ", ".join(sorted(p.stem for p in builtin_playbooks().glob("*.yml")))
        ck.error(
            node,
            "extends",
            f"no playbook {ref!r} (looked for {', '.join(map(str, candidates))}; "
            f"built-in: {names})",
        )
        return None
    if found.resolve() in chain:
        ck.error(
            node, "extends", f"{found} extends itself (through {' -> '.join(map(str, chain))})"
        )
        return None
    try:
        return load_playbook(found, known, roles, chain)
    except ConfigError as e:
        ck.problems.extend(e.problems)
        return None


def _build(ck, node, roles) -> tuple[StepSpec, ...]:
    """`build:`: the run:/artisan: steps that finish the release tree (npm ci, npm run build),
    after the install command: here, once, under `strategy: artifact`; on every host, in the new
    release, under `git` (config/strategy.py). Only {commit} is known when they run."""
    if not isinstance(node, yaml.SequenceNode):
        ck.error(node, "build", "expected a list of run:/artisan: steps")
        return ()
    out = []
    for i, item in enumerate(node.value):
        kp = f"build[{i}]"
        keys = {str(k.value): (k, v) for k, v in getattr(item, "value", ()) if hasattr(k, "value")}
        if not isinstance(item, yaml.MappingNode) or "step" in keys:
            ck.error(item, kp, "a build step is a run: or artisan: command (built-ins: steps:)")
            continue
        for key in NOT_BUILD:
            if key in keys:
                ck.error(
                    keys[key][0],
                    f"{kp}.{key}",
                    "does not apply to a build step (it runs once per build, in the tree "
                    "being built)",
                )
        for argv_key in ("run", "artisan"):
            for arg in getattr(keys.get(argv_key, (None, None))[1], "value", None) or ():
                _only_commit(ck, arg, f"{kp}.{argv_key}")
        spec = user_steps.parse(ck, item, kp, roles)
        if spec is not None:
            out.append(spec)
    return tuple(out)


def _only_commit(ck, node, keypath: str) -> None:
    try:
        names = user_steps.placeholders(str(getattr(node, "value", "")))
    except ValueError:
        return  # user_steps.parse reports it
    for name in names:
        if name in PLACEHOLDERS and name != "commit":  # an unknown one: parse() says so
            ck.error(
                node,
                keypath,
                f"{{{name}}} is not known when the release is built: only {{commit}} is",
            )


def _failure_list(base: tuple[StepSpec, ...], own: tuple[StepSpec, ...]) -> tuple[StepSpec, ...]:
    """A playbook's `on_failure:` runs after its base's list (which discards the half-built
    release), unless it names `discard` itself: then it is the whole list, in its order."""
    if any(s.name == "discard" for s in own):
        return own
    return base + own


def _hooks(ck, node, key, steps, known, roles) -> tuple[StepSpec, ...]:
    """`before:`/`after:` a step of the pipeline, by its name: user steps placed around it."""
    if not isinstance(node, yaml.MappingNode):
        ck.error(node, key, "expected a mapping: step name -> list of steps")
        return steps
    names = [s.name for s in steps]
    out = list(steps)
    for kn, vn in node.value:
        target = str(kn.value)
        added = _steps(ck, vn, f"{key}.{target}", known, roles)
        if target not in names:
            ck.error(
                kn,
                f"{key}.{target}",
                f"no step named {target!r} in the pipeline{_did_you_mean(target, tuple(names))}",
            )
            continue
        at = next(i for i, s in enumerate(out) if s.name == target)
        out[at + (key == "after") : at + (key == "after")] = added
    return tuple(out)


def _unique(ck, nodes, steps, rollback) -> None:
    """Events, `--from` and hooks name steps: a name used twice in one list would be ambiguous."""
    for key, specs in (("steps", steps), ("rollback", rollback)):
        seen: set[str] = set()
        for s in specs:
            if s.name in seen:
                where = nodes.get(key) or nodes.get("before") or nodes.get("after")
                ck.error(
                    where,
                    key,
                    f"the step name {s.name!r} is used twice; give user steps distinct `name:`s",
                )
            seen.add(s.name)


def _option(specs: tuple[StepSpec, ...], step: str, key: str) -> object | None:
    return next((s.options[key] for s in specs if s.name == step and s.options.get(key)), None)


def _where(ck: Checker, nodes: dict[str, yaml.Node], step: str, key: str) -> str:
    """file:line:col of `key` in the `with:` of `step` in `steps:` ("" when not written there)."""
    for item in getattr(nodes.get("steps"), "value", ()):
        if isinstance(item, yaml.MappingNode) and child(item, "step") is not None:
            if child(item, "step").value == step and child(child(item, "with"), key) is not None:
                mark = child(child(item, "with"), key).start_mark
                return f"{ck.path}:{mark.line + 1}:{mark.column + 1}"
    return ""


def _int(value: object | None) -> int | None:
    return None if value is None else int(value)


def _steps(
    ck: Checker,
    node: yaml.Node,
    key: str,
    known: tuple[str, ...],
    roles: frozenset[str] | None = None,
) -> tuple[StepSpec, ...]:
    if not isinstance(node, yaml.SequenceNode):
        ck.error(node, key, "expected a list of steps")
        return ()
    out = []
    for i, item in enumerate(node.value):
        kp = f"{key}[{i}]"
        if isinstance(item, yaml.MappingNode) and not any(k.value == "step" for k, _ in item.value):
            spec = user_steps.parse(ck, item, kp, roles, failure_list=key == "on_failure")
            if spec is not None:
                out.append(spec)
            continue
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
