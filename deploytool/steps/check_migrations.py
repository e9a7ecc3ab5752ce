"""check-migrations: the compatibility gate, before `migrate`, on the migration host.

The pending migrations of the new release are gathered and judged through the gate's one entry
(deploytool/gate): Laravel's own `migrate --pretend` SQL with the migration files' source, or the
pending `.sql` files of an app that sets `migrations.sql_dir`. Blocked: the ship stops here, no
host switched, no worker touched; the report is a StepOutput event either way.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping

from ..events import StepOutput

_warm: threading.Thread | None = None


def warm() -> None:
    """Import the gate (its SQL parsers: 0.3-1.2 s on this machine) on a thread of its own, from
    the start of a ship: it is ready by the time check-migrations runs instead of being a gap in
    the ship's start-up or in the step (the connect, lock, pull and install wait on the hosts)."""
    global _warm
    if _warm is None:
        _warm = threading.Thread(
            target=importlib.import_module,
            args=("deploytool.gate.gather",),
            name="deploytool-warm",
            daemon=True,
        )
        _warm.start()


def run(ctx, options: Mapping[str, object]) -> str:
    settings = ctx.app.migrations
    if ctx.no_migrate:
        return "skipped (--no-migrate: nothing is migrated)"
    if settings.policy == "off":
        return "off (migrations.policy: off)"
    warm()
    from .. import gate  # here: see warm()
    from ..gate.gather import from_release

    pending = from_release(ctx, ctx.stage.migration_host, ctx.release_dir)
    if not pending.migrations:
        return "no pending migrations"
    report = gate.evaluate(pending, gate.policy_for(settings))
    ctx.state.gate = report  # maintenance-down reads the verdict (Report.needs_downtime)
    ctx.bus.emit(StepOutput("check-migrations", tuple(report.lines()), report.to_dict()))
    if report.blocked:
        raise gate.blocked_error(report)
    allowed = sum(1 for f in report.findings if f.allowed)
    return f"{len(pending.migrations)} pending migration(s), {len(report.findings)} finding(s)" + (
        f", {allowed} allowed" if allowed else ""
    )
