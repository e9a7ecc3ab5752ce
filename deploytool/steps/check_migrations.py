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

from .. import gate
from ..events import StepOutput
from ..gate.gather import from_release


def run(ctx, options: Mapping[str, object]) -> str:
    settings = ctx.app.migrations
    if ctx.no_migrate:
        return "skipped (--no-migrate: nothing is migrated)"
    if settings.policy == "off":
        return "off (migrations.policy: off)"
    # The gate's SQL parsers take 0.3-0.8 s to import: load them while the host answers.
    warm = threading.Thread(
        target=importlib.import_module, args=("deploytool.migrations.check",), daemon=True
    )
    warm.start()
    pending = from_release(ctx, ctx.stage.migration_host, ctx.release_dir)
    if not pending.migrations:
        return "no pending migrations"
    warm.join()
    report = gate.evaluate(pending, gate.policy_for(settings))
    ctx.bus.emit(StepOutput("check-migrations", tuple(report.lines()), report.to_dict()))
    if report.blocked:
        raise gate.blocked_error(report)
    allowed = sum(1 for f in report.findings if f.allowed)
    return f"{len(pending.migrations)} pending migration(s), {len(report.findings)} finding(s)" + (
        f", {allowed} allowed" if allowed else ""
    )
