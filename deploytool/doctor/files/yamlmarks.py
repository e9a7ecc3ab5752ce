"""YAML documents as plain data plus the line of every key, so a finding can say file:line."""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple


def load_documents(text: str) -> list[tuple[Any, dict[Path, int]]]:
    """[(data, {key path: line})] for every document; raises yaml.YAMLError on bad syntax."""
    out = []
    for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
        if node is None:
            continue
        lines: dict[Path, int] = {}
        out.append((_walk(node, (), lines), lines))
    return out


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        d: dict = {}
        merged: dict = {}
        for k, v in node.value:
            if k.tag == "tag:yaml.org,2002:merge":  # `<<: *base` (compose files love it)
                for base in v.value if isinstance(v, yaml.SequenceNode) else [v]:
                    value = _walk(base, path, lines)
                    if isinstance(value, dict):
                        merged = {**value, **merged}
                continue
            key = (
                yaml.SafeLoader(" ").construct_object(k)
                if isinstance(k, yaml.ScalarNode)
                else str(k.value)
            )
            lines[path + (key,)] = k.start_mark.line + 1
            d[key] = _walk(v, path + (key,), lines)
        return {**merged, **d}
    if isinstance(node, yaml.SequenceNode):
        return [_walk(v, path + (i,), lines) for i, v in enumerate(node.value)]
    return yaml.SafeLoader(" ").construct_object(node)


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of `path`, or of its nearest ancestor that exists."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 0)
