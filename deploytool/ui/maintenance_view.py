"""`maintenance status|up`: one line per host, then what was lifted."""

from __future__ import annotations


def plain(doc: dict) -> list[str]:
    lines = [
        f"{h}: {'DOWN (maintenance mode)' if s == 'down' else 'up'}"
        for h, s in doc["hosts"].items()
    ]
    if doc["action"] == "up":
        lifted = ", ".join(doc["lifted"])
        lines.append(f"lifted on {lifted}" if lifted else "nothing to lift: no host was down")
    return lines


def rich(doc: dict):
    from rich.text import Text

    return Text("\n".join(plain(doc)))
