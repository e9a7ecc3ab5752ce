"""The web tier on a terminal: the web census's line under the drain table, and one line per
health check, rollout batch and rollback (the plain view has its own words in plain.py)."""

from __future__ import annotations

from rich.text import Text

from .. import events as ev


def web_line(p: ev.WebProgress) -> Text:
    """The web census: which web hosts answer with the new release, what the others answer."""
    t = Text.assemble(("web: ", "bold"))
    for i, v in enumerate(p.hosts):
        t.append(", " if i else "")
        if v.status == "new":
            t.append(f"{v.host} new", style="green")
        else:
            t.append(f"{v.host} OLD ({v.detail})", style="bold yellow")
    return t


def web_event(e: ev.Event) -> Text:
    """A health check, a rollout batch or a rollback, as one line."""
    if isinstance(e, ev.HealthChecked):
        mark = ("✓ ", "green") if e.ok else ("✗ ", "bold red")
        return Text.assemble(mark, f"health {e.host} GET {e.url}: ", e.detail)
    if isinstance(e, ev.RolloutBatch):
        kind = " (canary)" if e.canary else ""
        return Text.assemble(
            ("rollout ", "bold"), f"batch {e.index}/{e.total}{kind}: ", ", ".join(e.hosts)
        )
    assert isinstance(e, ev.RolledBack)
    if e.ok:
        return Text(
            f"rolled back {', '.join(e.hosts)} from {e.release} to {e.to}", style="bold yellow"
        )
    return Text(f"not rolled back: {', '.join(e.hosts)} still on {e.release}", style="bold red")
