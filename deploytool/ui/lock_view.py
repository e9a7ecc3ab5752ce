"""`lock status|release`: one sentence about the stage's deploy lock."""

from __future__ import annotations


def plain(doc: dict) -> list[str]:
    return [doc["message"]]


def rich(doc: dict):
    from rich.text import Text

    return Text(doc["message"])
