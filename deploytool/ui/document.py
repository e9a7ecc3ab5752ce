"""The one output layer for commands that answer with a document (everything but ship/rollback,
whose events the views in this package subscribe to).

A command returns `Document(kind, data, exit_code)`; `show()` writes it as JSON (--json), plain
lines (CI, pipes) or rich output (a terminal). Each kind's renderer is a module here with
`plain(data) -> list[str]` and `rich(data) -> a rich renderable`; its JSON is `data` itself (or
`data.to_dict()`), so a script reads the same document a person sees.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from .env import Env

RENDERERS = {
    "build": "build_view",
    "check-config": "config_view",
    "drain-status": "drain_status_view",
    "doctor": "doctor_view",
    "gate": "gate_view",
    "init": "init_view",
    "lock": "lock_view",
    "maintenance": "maintenance_view",
    "plan": "plan_view",
    "releases": "releases_view",
}


@dataclass(frozen=True)
class Document:
    kind: str
    data: object
    exit_code: int = 0


def to_json(data: object) -> object:
    return data.to_dict() if hasattr(data, "to_dict") else data


def renderer(kind: str):
    return importlib.import_module(f".{RENDERERS[kind]}", __package__)


def show(env: Env, doc: Document, as_json: bool = False) -> int:
    if as_json:
        env.json(to_json(doc.data))
    elif env.plain:
        env.lines(renderer(doc.kind).plain(doc.data))
    else:
        env.console().print(renderer(doc.kind).rich(doc.data))
    return doc.exit_code
