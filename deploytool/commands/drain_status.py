"""`deploytool drain-status <stage>`: read-only, for incidents. Which workers on which hosts run
which release, in what state, plus the queue figures the app sees. Exit 0 when no worker runs old
code, NOT_DRAINED (9) while some do, UNREACHABLE (4) when nothing old is known but a host could
not be read. `--watch` refreshes until drained; `--json` prints the document of docs/drain.md
(one per refresh, as JSON lines, with --watch). The document is deploytool/drain/status.py, its
look ui/drain_status_view.py; "old" is the drain's own definition (drain/decide.py).
"""

from __future__ import annotations

from ..config.durations import parse_duration
from ..drain.status import Reader, exit_code, watch
from ..errors import UsageError
from ..ui.document import Document
from ..ui.drain_status_view import Watching
from . import common


def add(sub) -> None:
    p = sub.add_parser(
        "drain-status",
        help="show which workers run which release, per host, and "
        "the queues (read-only); exit 0 drained, 9 not drained",
    )
    common.add_inventory(p)
    common.add_limit(p)
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


def _duration(value: str | None, flag: str, default: float) -> float:
    if value is None:
        return default
    try:
        return parse_duration(value)
    except ValueError as e:
        raise UsageError(f"{flag}: {e}") from None


def run(args, env) -> Document | int:
    inv = common.load(args.inventory)
    stage = common.stage_of(inv, args.stage)
    interval = max(1.0, _duration(args.interval, "--interval", inv.drain_policy(stage).poll))
    timeout = _duration(args.timeout, "--timeout", 0.0) or None
    with common.open_stage(inv, stage.name, limit=args.limit) as ctx:
        reader = Reader(ctx, not args.no_queues, watch=args.watch, lifetime=(timeout or 86400) + 60)
        try:
            if not args.watch:
                snap = reader.read()
                return Document("drain-status", snap, exit_code(snap))
            view, snap = Watching(env, args.json), None
            try:
                snap = watch(reader.read, view, interval, timeout)
            finally:
                view.close(snap)
            return exit_code(snap)
        finally:
            reader.close()
