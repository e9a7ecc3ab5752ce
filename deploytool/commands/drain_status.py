"""`deploytool drain-status <stage>`: read-only, for incidents. Which workers on which hosts run
which release, in what state, plus the queue figures the app sees. Exit 0 when no worker runs old
code, NOT_DRAINED (9) while some do, UNREACHABLE (4) when nothing old is known but a host could
not be read. `--watch` refreshes until drained; `--json` prints the document of docs/drain.md
(one per refresh, as JSON lines, with --watch).

"Old" here means: not the release `current` points at on that host.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..config.durations import format_duration, parse_duration
from ..config.model import Host
from ..errors import ExitCode, UnreachableError, UsageError
from ..probes.census import Census, census_command, parse_census
from ..probes.queues import QueueFigures, parse_queues, queues_command
from ..steps.drain import parallel, worker_pattern
from ..transport.ssh import SSHTransport
from . import common

SCHEMA = 1  # bump when a key of the JSON document changes meaning (docs/drain.md)


def add(sub) -> None:
    p = sub.add_parser(
        "drain-status",
        help="show which workers run which release, per host, and the queues "
        "(read-only); exit 0 drained, 9 not drained",
    )
    common.add_inventory(p)
    p.add_argument("stage")
    p.add_argument(
        "--json",
        action="store_true",
        help="the JSON document of docs/drain.md (JSON lines with --watch)",
    )
    p.add_argument("--watch", action="store_true", help="refresh until no worker runs old code")
    p.add_argument(
        "--interval",
        metavar="DURATION",
        help="--watch refresh interval (default: the stage's drain.poll, at least 1s)",
    )
    p.add_argument(
        "--timeout", metavar="DURATION", help="--watch gives up after this long (exit 9)"
    )
    p.add_argument(
        "--no-queues",
        action="store_true",
        help="skip the queue figures (no PHP boot on the migration host)",
    )


# -- the document ---------------------------------------------------------------------------------
def worker_doc(w, current: str) -> dict:
    return {
        "pid": w.pid,
        "ppid": w.ppid,
        "uid": w.uid,
        "kind": w.kind,
        "release": w.release,
        "old": w.release != current,
        "state": w.state,
        "age": round(w.age, 1),
        "started": round(w.started, 3),
        "cpu": round(w.cpu, 2),
        "ignores_term": w.ignores_term,
        "term_pending": w.term_pending,
    }


def snapshot(
    stage: str,
    census: Mapping[str, Census],
    unreachable: Mapping[str, str],
    queues: QueueFigures | None,
    order: list[str],
    at: float | None = None,
) -> dict:
    hosts = []
    old_total, oldest = 0, 0.0
    for name in order:
        if name in unreachable:
            hosts.append(
                {
                    "host": name,
                    "reachable": False,
                    "error": unreachable[name],
                    "current": None,
                    "workers": [],
                    "old": 0,
                    "new": 0,
                }
            )
            continue
        c = census[name]
        workers = [worker_doc(w, c.current) for w in c.workers if w.state != "zombie"]
        old = [w for w in workers if w["old"]]
        old_total += len(old)
        oldest = max([oldest] + [w["age"] for w in old])
        hosts.append(
            {
                "host": name,
                "reachable": True,
                "error": None,
                "current": c.current,
                "workers": workers,
                "old": len(old),
                "new": len(workers) - len(old),
            }
        )
    return {
        "schema": SCHEMA,
        "stage": stage,
        "at": round(at if at is not None else time.time(), 3),
        "drained": old_total == 0 and not unreachable,
        "old_workers": old_total,
        "oldest_age": round(oldest, 1),
        "unreachable": sorted(unreachable),
        "hosts": hosts,
        "queues": queues.to_dict() if queues else None,
    }


def exit_code(snap: dict) -> int:
    if snap["old_workers"]:
        return int(ExitCode.NOT_DRAINED)
    if snap["unreachable"]:
        return int(ExitCode.UNREACHABLE)
    return int(ExitCode.OK)


# -- what a person sees -----------------------------------------------------------------------------
def table(snap: dict) -> Table:
    t = Table(
        title=f"workers of stage {snap['stage']}, by host",
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
        elif not h["workers"]:
            t.add_row(
                h["host"], "-", "", h["current"] or "(no current)", "", "no workers", "", "", ""
            )
        for w in sorted(h["workers"], key=lambda w: (not w["old"], w["pid"])):
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
                w["kind"].replace("horizon-", "h-"),
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
        line = f"{snap['old_workers']} old worker(s) ({per}); oldest {format_duration(snap['oldest_age'])}"
    elif snap["unreachable"]:
        line = "no old worker on the hosts that answered"
    else:
        line = "drained: every worker runs the current release of its host"
    if snap["unreachable"]:
        line += f"; UNREACHABLE: {', '.join(snap['unreachable'])}"
    return line + ("\n" + queue_line(snap["queues"]) if snap["queues"] else "")


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


# -- reading the fleet ------------------------------------------------------------------------------
class Reader:
    """One refresh = one census per host (in parallel) + one PHP boot on the migration host."""

    def __init__(self, inv, stage, transport, queues: bool):
        self.inv, self.stage, self.transport, self.queues = inv, stage, transport, queues
        app = inv.application
        self.census_cmd = census_command(
            worker_pattern(app, common.playbook_of(inv)), app.deploy_path
        )
        self.queue_cmd = queues_command(
            app.php, app.deploy_path.rstrip("/") + "/current", app.worker_queues, app.env
        )

    def read(self) -> dict:
        app = self.inv.application
        timeout = max(10.0, self.stage.ssh.connect_timeout)
        mh = self.stage.migration_host

        def one(h: Host):
            try:
                c = parse_census(
                    self.transport.run(
                        h, self.census_cmd, timeout=timeout, step="drain-status"
                    ).stdout,
                    app.deploy_path,
                )
            except UnreachableError as e:
                return None, e.message, None
            q = None
            if self.queues and h.name == mh.name:
                try:
                    r = self.transport.run(h, self.queue_cmd, timeout=60.0, step="drain-status")
                    q = parse_queues(r.stdout + "\n" + r.stderr)
                except UnreachableError as e:
                    q = QueueFigures(error=e.message)
            return c, "", q

        got = parallel(self.stage.hosts, one)
        census = {h: c for h, (c, _, _) in got.items() if c is not None}
        unreachable = {h: err for h, (c, err, _) in got.items() if c is None}
        q = got[mh.name][2] if self.queues else None
        if self.queues and q is None:
            q = QueueFigures(error=f"{mh.name} (the migration host) is unreachable")
        snap = snapshot(self.stage.name, census, unreachable, q, [h.name for h in self.stage.hosts])
        if snap["queues"] is not None:
            snap["queues"]["host"] = mh.name
        return snap


def _duration(value: str | None, flag: str, default: float) -> float:
    if value is None:
        return default
    try:
        return parse_duration(value)
    except ValueError as e:
        raise UsageError(f"{flag}: {e}") from None


def watch(
    read: Callable[[], dict],
    show: Callable[[dict], None],
    interval: float,
    timeout: float | None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """Refresh until drained or until `timeout`; returns the last snapshot."""
    start = monotonic()
    while True:
        snap = read()
        show(snap)
        if snap["drained"] or (timeout is not None and monotonic() - start >= timeout):
            return snap
        left = None if timeout is None else timeout - (monotonic() - start)
        sleep(max(0.0, min(interval, left)) if left is not None else interval)


def run(args) -> int:
    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    interval = max(1.0, _duration(args.interval, "--interval", inv.drain_policy(stage).poll))
    timeout = _duration(args.timeout, "--timeout", 0.0) or None
    transport = SSHTransport(stage.ssh)
    reader = Reader(inv, stage, transport, not args.no_queues)
    console = Console()
    if not console.is_terminal:  # CI logs and pipes: wide enough that release ids never fold
        console = Console(width=160)
    try:
        if not args.watch:
            snap = reader.read()
        elif args.json:
            snap = watch(reader.read, lambda s: _print_json(s, indent=None), interval, timeout)
        elif console.is_terminal:
            with Live(console=console, refresh_per_second=4, transient=False) as live:
                snap = watch(
                    reader.read,
                    lambda s: live.update(Group(table(s), Text(summary(s)))),
                    interval,
                    timeout,
                )
        else:
            last = [""]

            def show(s):
                line = summary(s)
                if line != last[0]:
                    console.print(time.strftime("%H:%M:%S ") + line, highlight=False)
                    last[0] = line

            snap = watch(reader.read, show, interval, timeout)
    finally:
        transport.close()
    if args.json and not args.watch:
        _print_json(snap, indent=2)
    elif not args.watch:
        console.print(table(snap))
        console.print(summary(snap), highlight=False)
    elif not args.json and not console.is_terminal:
        console.print(table(snap))
    return exit_code(snap)


def _print_json(snap: dict, indent: int | None) -> None:
    try:
        json.dump(snap, sys.stdout, indent=indent, sort_keys=True)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `drain-status --json | head`: the reader has seen enough
        sys.stdout = open(os.devnull, "w")
