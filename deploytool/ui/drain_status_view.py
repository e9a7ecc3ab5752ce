"""How drain-status looks: one table of processes grouped by host, then kind (old ones first, in
red), a summary line with the queue figures; with --watch, a live table on a terminal, a
timestamped summary line per change in CI logs, JSON lines with --json."""

from __future__ import annotations

import time

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..config.durations import format_duration
from .env import Env
from .text import as_lines


def kind_label(w: dict) -> str:
    """The kind, and Horizon's process type within it (`queue h-master`)."""
    process = w.get("process", "worker")
    return w["kind"] + ("" if process == "worker" else " " + process.replace("horizon-", "h-"))


def grouped(h: dict, multi: bool, t: Table):
    """A host's processes kind by kind (the configured order), old ones first; with several
    kinds, a kind with no process on the host gets a row saying so."""
    kinds = [k["kind"] for k in h.get("kinds", [])] or list(
        dict.fromkeys(w["kind"] for w in h["workers"])
    )
    for kind in kinds:
        mine = [w for w in h["workers"] if w["kind"] == kind]
        if not mine and multi:
            t.add_row(h["host"], "-", kind, h["current"] or "", "", "none running", "", "", "")
        yield from sorted(mine, key=lambda w: (not w["old"], w["pid"]))


def table(snap: dict) -> Table:
    multi = len(snap.get("kinds", [])) > 1
    t = Table(
        title=f"{'processes' if multi else 'workers'} of stage {snap['stage']}, by host"
        + (" and kind" if multi else ""),
        title_justify="left",
        header_style="bold",
    )
    for col, just in (
        ("host", "left"),
        ("pid", "right"),
        ("kind", "left"),
        ("release", "left"),
        ("", "left"),
        ("state", "left"),
        ("age", "right"),
        ("cpu", "right"),
        ("signals", "left"),
    ):
        t.add_column(col, justify=just, no_wrap=col != "signals")
    for h in snap["hosts"]:
        if not h["reachable"]:
            t.add_row(
                h["host"],
                "-",
                "",
                "",
                Text("UNREACHABLE", style="bold red"),
                "",
                "",
                "",
                h["error"] or "",
            )
        elif not h["workers"] and not multi:
            t.add_row(
                h["host"], "-", "", h["current"] or "(no current)", "", "no workers", "", "", ""
            )
        for w in grouped(h, multi, t):
            flags = ", ".join(
                x
                for x, on in (
                    ("ignores TERM", w["ignores_term"]),
                    ("TERM pending", w["term_pending"]),
                )
                if on
            )
            style = "bold red" if w["old"] else ""
            t.add_row(
                Text(h["host"], style=style),
                Text(str(w["pid"]), style=style),
                kind_label(w),
                Text(w["release"], style=style),
                Text("OLD", style="bold red") if w["old"] else Text("current", style="green"),
                Text(w["state"], style="red" if w["state"] == "stopped" else ""),
                format_duration(w["age"]),
                f"{w['cpu']:.1f}s",
                flags,
            )
        t.add_section()
    return t


def summary(snap: dict) -> str:
    per = ", ".join(f"{h['host']}: {h['old']}" for h in snap["hosts"] if h["reachable"])
    if snap["old_workers"]:
        oldest = format_duration(snap["oldest_age"])
        line = f"{snap['old_workers']} old worker(s) ({per}); oldest {oldest}"
        if len(snap.get("kinds", [])) > 1:
            by_kind = {k: 0 for k in snap["kinds"]}
            for w in (w for h in snap["hosts"] for w in h["workers"] if w["old"]):
                by_kind[w["kind"]] = by_kind.get(w["kind"], 0) + 1
            line += "; by kind: " + ", ".join(f"{k}: {n}" for k, n in by_kind.items())
    elif snap["unreachable"]:
        line = "no old worker on the hosts that answered"
    else:
        line = "drained: every worker runs the current release of its host"
    if snap["unreachable"]:
        line += f"; UNREACHABLE: {', '.join(snap['unreachable'])}"
    line += fleet_line(snap)
    return line + ("\n" + queue_line(snap["queues"]) if snap["queues"] else "")


def fleet_line(snap: dict) -> str:
    """Which hosts run which release, when that is not one release everywhere (a ship with
    --limit leaves the other hosts on theirs: expected, not a fault), and what --limit hid."""
    releases = snap.get("releases") or {}
    out = ""
    if len(releases) > 1:
        out += "\nmixed fleet: " + "; ".join(
            f"{rel or '(no current)'} on {', '.join(hosts)}"
            for rel, hosts in sorted(releases.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        )
    if snap.get("outside_limit"):
        out += f"\nnot shown (outside --limit): {', '.join(snap['outside_limit'])}"
    return out


def queue_line(q: dict) -> str:
    if q.get("error") and not q.get("queues"):
        head = f"queues: not available ({q['error']})"
    else:
        parts = [
            f"{name} {v['pending']} pending, {v['delayed']} delayed, {v['reserved']} reserved"
            for name, v in q["queues"].items()
        ]
        head = f"queues ({q['connection']}, {q['driver']} on {q.get('host', '?')}): " + "; ".join(
            parts
        )
    failed = (
        f"failed jobs: {q['failed']}"
        if q.get("failed") is not None
        else f"failed jobs: not counted ({q.get('failed_error') or 'unknown'})"
    )
    return head + "; " + failed


def plain(snap: dict) -> list[str]:
    return as_lines(table(snap)) + summary(snap).split("\n")


def rich(snap: dict):
    return Group(table(snap), Text(summary(snap)))


class Watching:
    """--watch: what each refresh shows, and what is left on screen at the end."""

    def __init__(self, env: Env, as_json: bool):
        self.env, self.as_json = env, as_json
        self.live: Live | None = None
        self.last = ""
        if not as_json and not env.plain:
            self.live = Live(console=env.console(), refresh_per_second=4, transient=False)
            self.live.start()

    def __call__(self, snap: dict) -> None:
        if self.as_json:
            self.env.json(snap, indent=None)
        elif self.live is not None:
            self.live.update(rich(snap))
        elif summary(snap) != self.last:
            self.last = summary(snap)
            self.env.lines([time.strftime("%H:%M:%S ") + self.last])

    def close(self, snap: dict | None) -> None:
        if self.live is not None:
            self.live.stop()
        elif snap is not None and not self.as_json:
            self.env.lines(as_lines(table(snap)))
