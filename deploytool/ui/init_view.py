"""`init`: what was written, the check-config verdict on it, and the next step."""

from __future__ import annotations

from . import config_view


def plain(doc: dict) -> list[str]:
    lines = [f"wrote {doc['path']}: stage {doc['stage']}, {doc['hosts']} host(s)"]
    if doc["check"]["ok"]:
        lines += ["check-config: " + line for line in config_view.plain(doc["check"]["result"])]
    else:
        lines += ["check-config: FAILED", *("  " + p for p in doc["check"]["problems"])]
    return lines + [f"next: {doc['next']}"]


def rich(doc: dict):
    from rich.text import Text

    return Text("\n".join(plain(doc)))
