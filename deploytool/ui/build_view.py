"""`build`: where the artifact went, what it holds, and how to ship it."""

from __future__ import annotations

from ..config.durations import format_duration


def plain(doc: dict) -> list[str]:
    phases = ", ".join(f"{k} {format_duration(v)}" for k, v in doc["phases"].items())
    return [
        f"built {doc['artifact']}",
        f"  {doc['app']} {doc['ref']} = {doc['commit']}, {doc['files']} files, "
        f"{doc['bytes']} bytes, sha256 {doc['sha256']}",
        f"  by {doc['built_by']} at {doc['built_at']} in {format_duration(doc['seconds'])} "
        f"({phases})",
        f"ship it: deploytool ship STAGE --artifact {doc['artifact']}",
    ]


def rich(doc: dict):
    from rich.text import Text

    return Text("\n".join(plain(doc)))
