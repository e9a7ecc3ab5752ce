"""`releases`: one table, newest release first per host, with what still runs from each."""

from __future__ import annotations

from rich.table import Table

from .text import as_lines


def rich(doc: dict) -> Table:
    t = Table(title=f"releases of {doc['stage']}", title_justify="left")
    for col in ("host", "release", "", "commit", "ref", "deployed by", "at", "in use by"):
        t.add_column(col)
    for host, rels in doc["hosts"].items():
        for r in reversed(rels):
            users = " ".join(map(str, r["in_use_by"][:6])) + (
                " ..." if len(r["in_use_by"]) > 6 else ""
            )
            t.add_row(
                host,
                r["release"],
                "current" if r["current"] else "",
                r["commit"][:12],
                r["ref"],
                r["deployed_by"],
                r["deployed_at"],
                users,
            )
    return t


def plain(doc: dict) -> list[str]:
    return as_lines(rich(doc))
