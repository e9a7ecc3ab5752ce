"""`check-config`: one line per stage checked, then the verdict."""

from __future__ import annotations


def plain(doc: dict) -> list[str]:
    lines = [
        f"{doc['inventory']}: stage {s['name']}: {s['hosts']} host(s), migrations on "
        f"{s['migration_host']}, playbook {doc['playbook']} ({' -> '.join(doc['steps'])})"
        for s in doc["stages"]
    ]
    return lines + ["configuration OK"]


def rich(doc: dict):
    from rich.text import Text

    return Text("\n".join(plain(doc)))
