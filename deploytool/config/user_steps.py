"""A user step of a playbook: YAML node in, a StepSpec holding a frozen UserStep out, every mistake
located at file:line:col (config/playbook.py places the steps; steps/user.py runs them).

    - run: [npm, run, build]          # an argv, never a string split into words
      when_changed: [package-lock.json, resources/]
    - artisan: [storage:link]         # `<application.php> artisan storage:link`
      roles: [web]

Arguments (and `env:` values) may hold the placeholders of model.PLACEHOLDERS: `{release}`;
`{{` and `}}` are literal braces. `expand()` fills them in at run time.
"""

from __future__ import annotations

import os
from string import Formatter

import yaml

from .model import StepSpec
from .user_step_model import PLACEHOLDERS, UserStep
from .validate import _SECRET_REF, Checker, F

ARGV_KEYS = ("run", "artisan")
FIELDS = {
    "name": F("str"),
    "run": F("strlist"),
    "artisan": F("strlist"),
    "roles": F("strlist", scalar_ok=True),
    "once": F("bool"),
    "cwd": F("str", choices=("release", "current")),
    "timeout": F("duration", check=lambda v: None if v > 0 else "must be more than 0"),
    "env": F("secretmap"),
    "local": F("bool"),
    "when_changed": F("strlist", scalar_ok=True),
    "ignore_failure": F("bool"),
}
# What a local step (run on the machine running deploytool) cannot have: it has no hosts and no
# release directory there.
NOT_LOCAL = ("artisan", "roles", "once", "cwd", "when_changed")


def parse(
    ck: Checker,
    node: yaml.MappingNode,
    keypath: str,
    roles: frozenset[str] | None,
    failure_list: bool = False,
) -> StepSpec | None:
    """One user step, or None after reporting what is wrong with it."""
    before = len(ck.problems)
    keys = {str(k.value): (k, v) for k, v in node.value}
    for key in ARGV_KEYS:  # a string here would have to be split into words: never guess
        if key in keys and not isinstance(keys[key][1], yaml.SequenceNode):
            ck.error(
                keys[key][1],
                f"{keypath}.{key}",
                f"expected a list (an argv, e.g. {key}: [npm, ci]), got a "
                + ("mapping" if isinstance(keys[key][1], yaml.MappingNode) else "string")
                + ": deploytool never splits a command line into words",
            )
    shape = yaml.MappingNode(
        node.tag,
        [
            (k, v)
            for k, v in node.value
            if k.value not in ARGV_KEYS or isinstance(v, yaml.SequenceNode)
        ],
        node.start_mark,
        node.end_mark,
    )
    d = ck.obj(shape, FIELDS, keypath) or {}
    given = [k for k in ARGV_KEYS if k in keys]
    if len(given) != 1:
        ck.error(
            node,
            keypath,
            "a user step has `run:` (an argv) or `artisan:` (php artisan's arguments)"
            + (", not both" if given else "")
            + "; a built-in step is named with `step:`",
        )
    argv = tuple(d.get(given[0], ())) if len(given) == 1 else ()
    if len(given) == 1 and given[0] in d and not argv:
        ck.error(keys[given[0]][1], f"{keypath}.{given[0]}", "an empty argv")
    if d.get("local"):
        for key in NOT_LOCAL:
            if key in d:
                ck.error(
                    keys[key][0],
                    f"{keypath}.{key}",
                    "does not apply to a local step (it runs once, on the machine running "
                    "deploytool, from the inventory's directory)",
                )
    if argv:
        for i, item in enumerate(keys[given[0]][1].value):
            _check_placeholders(ck, item, f"{keypath}.{given[0]}[{i}]")
    for kn, vn in keys.get("env", (None, yaml.MappingNode("", [])))[1].value:
        if isinstance(vn, yaml.ScalarNode) and not _SECRET_REF.match(str(vn.value)):
            _check_placeholders(ck, vn, f"{keypath}.env.{kn.value}")
    if roles is not None:
        for i, role in enumerate(d.get("roles", ())):
            if role not in roles:
                ck.error(
                    _item(keys["roles"][1], i),
                    f"{keypath}.roles",
                    f"no host of any stage has the role {role!r} (roles: "
                    f"{', '.join(sorted(roles)) or 'none'})",
                )
    if len(ck.problems) > before:
        return None
    step = UserStep(
        argv=argv,
        artisan=given[0] == "artisan",
        roles=tuple(d.get("roles", ())),
        once=d.get("once", False),
        cwd=d.get("cwd", "current" if failure_list else "release"),
        timeout=d.get("timeout"),
        env=dict(d.get("env", {})),
        local=d.get("local", False),
        when_changed=tuple(d.get("when_changed", ())),
        ignore_failure=d.get("ignore_failure", False),
    )
    return StepSpec(d.get("name") or derived_name(step), user=step)


def derived_name(step: UserStep) -> str:
    """`npm ci`, `artisan storage:link`, `notify-sentry {release}`: what the events call a step
    that was given no `name:`."""
    words = ("artisan", *step.argv) if step.artisan else (os.path.basename(step.argv[0]),)
    words += () if step.artisan else step.argv[1:]
    name = " ".join(words)
    return name if len(name) <= 48 else name[:47] + "…"


def _item(node: yaml.Node, i: int) -> yaml.Node:
    return node.value[i] if isinstance(node, yaml.SequenceNode) else node


def placeholders(text: str) -> list[str]:
    """The placeholder names in `text`; ValueError for unbalanced braces or a format spec."""
    found = []
    for _, name, spec, conversion in Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"{{{name}}} takes no format spec or conversion")
        found.append(name)
    return found


def _check_placeholders(ck: Checker, node: yaml.Node, keypath: str) -> None:
    if not isinstance(node, yaml.ScalarNode):
        return
    try:
        names = placeholders(str(node.value))
    except ValueError as e:
        ck.error(node, keypath, f"{e} (write {{{{ and }}}} for literal braces)")
        return
    for name in names:
        if name not in PLACEHOLDERS:
            ck.error(
                node,
                keypath,
                f"unknown placeholder {{{name}}} (placeholders: "
                + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                + "; write {{ and }} for literal braces)",
            )


def expand(text: str, values: dict[str, str]) -> str:
    """`text` with its placeholders replaced (checked at load: every name is known)."""
    out = []
    for literal, name, _, _ in Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values[name])
    return "".join(out)
