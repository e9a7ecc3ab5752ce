"""What a Maintenance event says, for every view: plain and terminal print these lines, the JSON
stream prints the event (bypass masked) and the secret once on stderr. The bypass secret is shown
here and nowhere else (steps/maintenance.py)."""

from __future__ import annotations

from ..events import Maintenance


def lines(e: Maintenance) -> list[str]:
    hosts = ", ".join(e.hosts)
    if e.state == "down":
        out = [f"MAINTENANCE: the app is down on {hosts}: {e.reason}"]
        if e.bypass:
            out.append(bypass_line(e.bypass))
        return out
    if e.state == "held":
        return [f"MAINTENANCE: the app stays down on {hosts}: {e.reason}; lift it with: {e.lift}"]
    if e.state == "up":
        return [f"maintenance: the app is up again on {hosts} ({e.reason})"]
    return [f"maintenance: {hosts}: {e.reason}"]


def bypass_line(secret: str) -> str:
    return (
        f"  bypass secret (shown this once, in no log): open /{secret} on the site; Laravel then "
        "sets a cookie that lets that browser through"
    )
