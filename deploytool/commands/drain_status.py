"""`deploytool drain-status <stage>`: read-only, for incidents. Which workers on which hosts run
which release, in what state. Exit 0 when no worker runs old code, NOT_DRAINED (9) otherwise.

"Old" here means: not the release `current` points at on that host.
"""
from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..config.durations import format_duration
from ..errors import ExitCode
from ..events import Bus
from ..pipeline import Context
from ..probes.census import Census
from ..steps.drain import census_all
from ..transport import open_transport
from . import common


def add(sub) -> None:
    p = sub.add_parser("drain-status", help="show which workers run which release, per host (read-only)")
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def snapshot(census: dict[str, Census]) -> dict:
    hosts = []
    old_total, oldest = 0, 0.0
    for name in sorted(census):
        c = census[name]
        workers = []
        for w in c.workers:
            old = w.release != c.current
            old_total += old
            if old:
                oldest = max(oldest, w.age)
            workers.append({"pid": w.pid, "release": w.release, "old": old, "state": w.state,
                            "age": round(w.age, 1), "started": round(w.started, 3), "cpu": w.cpu,
                            "ignores_term": w.ignores_term, "term_pending": w.term_pending})
        hosts.append({"host": name, "current": c.current, "workers": workers,
                      "old": sum(1 for w in workers if w["old"])})
    return {"drained": old_total == 0, "old_workers": old_total, "oldest_age": round(oldest, 1), "hosts": hosts}


def table(snap: dict) -> Table:
    t = Table(title="workers by host", title_justify="left")
    for col in ("host", "pid", "release", "", "state", "age", "signals"):
        t.add_column(col)
    for h in snap["hosts"]:
        for w in h["workers"]:
            flags = ", ".join(x for x, on in (("ignores TERM", w["ignores_term"]), ("TERM pending", w["term_pending"])) if on)
            style = "bold red" if w["old"] else "green"
            t.add_row(h["host"], str(w["pid"]), w["release"], Text("OLD" if w["old"] else "current", style=style),
                      w["state"], format_duration(w["age"]), flags)
        if not h["workers"]:
            t.add_row(h["host"], "-", h["current"] or "(no current)", "", "no workers", "", "")
    return t


def run(args) -> int:
    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    transport = open_transport(stage.ssh)
    ctx = Context(inventory=inv, stage=stage, playbook=None, transport=transport, bus=Bus(), ref="")
    try:
        ctx.each("connect", transport.connect)
        snap = snapshot(census_all(ctx, "drain-status"))
    finally:
        transport.close()
    if args.json:
        json.dump(snap, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        console = Console()
        console.print(table(snap))
        per = ", ".join(f"{h['host']}: {h['old']}" for h in snap["hosts"])
        console.print(f"{snap['old_workers']} old worker(s) ({per}); oldest {format_duration(snap['oldest_age'])}"
                      if snap["old_workers"] else "drained: every worker runs the current release")
    return int(ExitCode.OK if snap["drained"] else ExitCode.NOT_DRAINED)
