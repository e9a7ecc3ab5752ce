"""A tiny declarative validator over PyYAML nodes, so every error knows its file:line:col.

Fields describe the expected shape; `Checker.value()` walks a composed node, collects every
problem (never stopping at the first) and returns plain Python values for the loader to freeze.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ConfigError
from .durations import parse_duration
from .model import Secret

_SECRET_REF = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")


def secret_or(check, expected: str):
    """A validator for a credential written inline or as ${env:NAME}: the variable must be set,
    an inline value must pass `check`."""

    def ok(v: object) -> str | None:
        m = _SECRET_REF.match(str(v))
        if m:
            return (
                None
                if m.group(1) in os.environ
                else f"environment variable {m.group(1)} is not set"
            )
        return None if check(str(v)) else f"expected {expected} or ${{env:NAME}}"

    return ok


def secret(value: object) -> Secret:
    """A credential either way: the variable's value for ${env:NAME}, else the value inline."""
    m = _SECRET_REF.match(str(value))
    return Secret(os.environ[m.group(1)] if m else str(value))


@dataclass(frozen=True)
class F:
    """A field: kind is str|int|bool|duration|strlist|map|secretmap|list|obj|obj_or_list; sub
    for list/obj (obj_or_list: `sub` for the mapping, `items` for each item of the list)."""

    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    sub: dict[str, F] | None = None
    minimum: int | None = None
    check: Callable[[object], str | None] | None = None
    scalar_ok: bool = False  # strlist: a single string is accepted as a one-item list
    items: dict[str, F] | None = None


@dataclass
class Checker:
    path: str
    problems: list[str] = field(default_factory=list)

    def error(self, node: yaml.Node | None, keypath: str, message: str) -> None:
        if node is not None:
            mark = node.start_mark
            where = f"{self.path}:{mark.line + 1}:{mark.column + 1}"
        else:
            where = self.path
        self.problems.append(f"{where}: {keypath}: {message}" if keypath else f"{where}: {message}")

    # -- scalars -------------------------------------------------------------------------
    def _scalar(self, node: yaml.Node, keypath: str, what: str) -> object:
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, keypath, f"expected {what}, got a {_kind(node)}")
            return None
        try:
            return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
        except yaml.YAMLError:
            return node.value

    def value(self, node: yaml.Node, spec: F, keypath: str) -> object:
        k = spec.kind
        if k == "str":
            v = self._scalar(node, keypath, "a string")
            if v is None:
                return None
            if isinstance(v, (dict, list)):
                self.error(node, keypath, "expected a string")
                return None
            v = str(v)
            if spec.choices and v not in spec.choices:
                self.error(
                    node,
                    keypath,
                    f"expected one of {', '.join(spec.choices)}, got {v!r}"
                    f"{_did_you_mean(v, spec.choices, list_all=False)}",
                )
                return None
        elif k == "int":
            v = self._scalar(node, keypath, "an integer")
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, int):
                self.error(node, keypath, f"expected an integer, got {_show(node)}")
                return None
            if spec.minimum is not None and v < spec.minimum:
                self.error(node, keypath, f"must be at least {spec.minimum}, got {v}")
                return None
        elif k == "bool":
            v = self._scalar(node, keypath, "true or false")
            if v is None:
                return None
            if not isinstance(v, bool):
                self.error(node, keypath, f"expected true or false, got {_show(node)}")
                return None
        elif k == "duration":
            v = self._scalar(node, keypath, "a duration")
            if v is None:
                return None
            try:
                v = parse_duration(v)
            except ValueError as e:
                self.error(node, keypath, str(e))
                return None
        elif k == "strlist":
            if spec.scalar_ok and isinstance(node, yaml.ScalarNode):
                return (node.value,)
            if not isinstance(node, yaml.SequenceNode):
                self.error(node, keypath, f"expected a list of strings, got a {_kind(node)}")
                return None
            out = []
            for i, item in enumerate(node.value):
                s = self.value(item, F("str"), f"{keypath}[{i}]")
                if s is not None:
                    out.append(s)
            v = tuple(out)
        elif k in ("map", "secretmap"):
            if not isinstance(node, yaml.MappingNode):
                self.error(node, keypath, f"expected a mapping, got a {_kind(node)}")
                return None
            v = {}
            for kn, vn in node.value:
                key = str(kn.value)
                item = self.value(vn, F("str"), f"{keypath}.{key}")
                if item is None:
                    continue
                if k == "secretmap":
                    item = self._secret(vn, f"{keypath}.{key}", item)
                v[key] = item
        elif k == "list":
            if not isinstance(node, yaml.SequenceNode):
                self.error(node, keypath, f"expected a list, got a {_kind(node)}")
                return None
            v = [
                self.obj(item, spec.sub or {}, f"{keypath}[{i}]")
                for i, item in enumerate(node.value)
            ]
        elif k == "any":
            if not isinstance(node, yaml.MappingNode):
                self.error(node, keypath, f"expected a mapping, got a {_kind(node)}")
                return None
            v = yaml.constructor.SafeConstructor().construct_object(node, deep=True)
        elif k == "obj":
            v = self.obj(node, spec.sub or {}, keypath)
        elif k == "obj_or_list" and isinstance(node, yaml.SequenceNode):
            v = self.value(node, F("list", sub=spec.items), keypath)
        elif k == "obj_or_list":
            if not isinstance(node, yaml.MappingNode):
                self.error(node, keypath, f"expected a mapping or a list, got a {_kind(node)}")
                return None
            v = self.obj(node, spec.sub or {}, keypath)
        else:  # pragma: no cover - a bug in a schema
            raise AssertionError(k)
        if v is not None and spec.check is not None:
            msg = spec.check(v)
            if msg:
                self.error(node, keypath, msg)
                return None
        return v

    def _secret(self, node: yaml.Node, keypath: str, text: str) -> str | None:
        m = _SECRET_REF.match(text)
        if not m:
            return text
        name = m.group(1)
        if name not in os.environ:
            self.error(node, keypath, f"environment variable {name} is not set")
            return None
        return Secret(os.environ[name])

    def obj(self, node: yaml.Node, fields: dict[str, F], keypath: str) -> dict | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, keypath, f"expected a mapping, got a {_kind(node)}")
            return None
        out: dict[str, object] = {}
        seen: set[str] = set()
        for kn, vn in node.value:
            key = str(kn.value)
            sub = f"{keypath}.{key}" if keypath else key
            if key in seen:
                self.error(kn, sub, "duplicate key")
                continue
            seen.add(key)
            spec = fields.get(key)
            if spec is None:
                self.error(kn, sub, f"unknown key{_did_you_mean(key, tuple(fields))}")
                continue
            if (
                isinstance(vn, yaml.ScalarNode)
                and vn.tag == "tag:yaml.org,2002:null"
                and not spec.required
            ):
                continue
            v = self.value(vn, spec, sub)
            if v is not None:
                out[key] = v
        for key, spec in fields.items():
            if spec.required and key not in seen:
                self.error(node, f"{keypath}.{key}" if keypath else key, "required key is missing")
        return out


def _did_you_mean(word: str, options: tuple[str, ...], list_all: bool = True) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (expected one of: {', '.join(sorted(options))})" if list_all and options else ""


def _kind(node: yaml.Node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "scalar")


def _show(node: yaml.Node) -> str:
    return repr(node.value) if isinstance(node, yaml.ScalarNode) else f"a {_kind(node)}"


def compose(path: Path) -> yaml.Node:
    """A YAML file as nodes that keep their marks (every error can name its file:line:col)."""
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(
            [f"{path}: cannot read: {e.strerror}"], "pass the inventory with -i PATH"
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError([f"{where}: YAML syntax: {e.problem}"]) from None
    if node is None:
        raise ConfigError([f"{path}:1:1: the file is empty"])
    return node


def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node of `key` in a mapping node, or None."""
    if isinstance(node, yaml.MappingNode):
        for kn, vn in node.value:
            if kn.value == key:
                return vn
    return None
