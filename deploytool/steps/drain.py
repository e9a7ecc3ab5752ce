"""drain: wait until no process of any kind (application.workers) runs old code, escalating or
giving up per policy.

All of it lives in deploytool/drain (run.py); this is the pipeline's adapter."""

from __future__ import annotations

from collections.abc import Mapping

from ..drain.run import drain_stage


def run(ctx, options: Mapping[str, object]) -> str:
    # `pattern:` (Horizon's `artisan horizon`) is read when the playbook loads: ctx.worker_kinds
    return drain_stage(ctx)
