"""The audit trail: one JSON line per ship, rollback, lock takeover and forced release, appended
on every reachable host (<deploy_path>/.deploytool/audit.log) and locally
($DEPLOYTOOL_AUDIT_LOG, default ~/.local/state/deploytool/audit.log).

Best effort by design: a failing audit write is reported as a warning and never changes the
result of the deploy it records. Secrets never reach it (values are redacted by value).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from .errors import DeployError
from .events import Warning as WarningEvent
from .redaction import redact
from .shell import script

APPEND = 'mkdir -p "$(dirname "$1")" && printf "%s\\n" "$2" >> "$1"'


def local_path() -> Path:
    if os.environ.get("DEPLOYTOOL_AUDIT_LOG"):
        return Path(os.environ["DEPLOYTOOL_AUDIT_LOG"])
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(base) / "deploytool" / "audit.log"


def write(ctx, entry: dict, hosts=None) -> None:
    line = redact(json.dumps(entry, sort_keys=True, default=str), ctx.secrets)
    try:
        p = local_path()
        p.parent.mkdir(parents=True, exist_ok=True)
        with p.open("a") as f:
            f.write(line + "\n")
    except OSError as e:
        ctx.bus.emit(WarningEvent(f"could not write the local audit log: {e}"))
    remote = ctx.path(".deploytool", "audit.log")

    def one(h):
        try:
            ctx.transport.run(
                h,
                script(APPEND, remote, line, name="deploytool-audit"),
                timeout=5,
                step="audit",
                marked=False,
            )
        except DeployError as e:
            ctx.bus.emit(WarningEvent(f"could not append to {remote}: {e.message}", h.name))

    # a dead host must not hold up the end of a run: wait at most 6 s for every append
    ctx.fanout.map(one, list(hosts or ctx.live_hosts), timeout=6)


def base(ctx, action: str) -> dict:
    return {
        "action": action,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "who": ctx.deployer,
        "stage": ctx.stage.name,
        "ref": ctx.ref,
    }


def record(ctx, action: str, code: int, message: str, duration: float, escalations: list) -> None:
    entry = base(ctx, action)
    entry.update(
        {
            "commit": ctx.state.commit,
            "release": ctx.state.release,
            "result": "success" if code == 0 else "failed",
            "exit_code": code,
            "message": message,
            "duration": round(duration, 2),
            "drain": ctx.state.drain,
            "escalations": [
                {k: e[k] for k in ("action", "host", "pid", "release", "state", "age", "ok")}
                for e in escalations
            ],
            "steps": {s: round(d, 2) for s, d in ctx.state.step_durations},
        }
    )
    write(ctx, entry)


def record_event(ctx, action: str, detail: dict, hosts=None) -> None:
    entry = base(ctx, action)
    entry.update(detail)
    write(ctx, entry, hosts)
