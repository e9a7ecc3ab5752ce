"""health: after the switch and reload-web, every web host must pass its `web.health` checks.

Per host, asked from the host itself (probes/web_probe.py): first the new release must be what
answers (deploytool's probe, and the app's own endpoint when set), for up to `web.settle`, so a
check is never passed by old code still in opcache; then each check, `retries` more times
`interval` apart, must answer `status` with `body` in its body ({release} filled in). A host
that does not pass makes the step raise Unhealthy naming every failing host, the URL, the status
and the first lines of the body; rollout.py then rolls back or stops (web.on_unhealthy).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..config.durations import format_duration
from ..drain.web import checked, serves
from ..errors import Unhealthy
from ..events import HealthChecked
from ..probes.web_probe import Answer, fill, health_request, parse_answers, requests_command

STEP = "health"
SETTLE_EVERY = 0.2  # seconds between two asks of a host that still serves the old code


def passes(a: Answer, status: int, body: str) -> str:
    """'' when the answer passes; else what was wrong with it."""
    if a.status != status:
        return f"answered {a.describe()} (expected {status})"
    if body and body not in a.body:
        return f"answered {a.describe()} without {body!r} in its body"
    return ""


def new_code_answers(ctx, host, web) -> str:
    """Wait up to web.settle for the new release to answer; '' or why it did not."""
    if not (checked(web) and ctx.state.web.get("prepared")):
        return ""
    clock, t0 = ctx.clock, ctx.clock.monotonic()
    while True:
        s = serves(ctx, host, web, ctx.state.release, STEP)
        if s.new:
            return ""
        if clock.monotonic() - t0 >= web.settle or ctx.cancel.tripped:
            return (
                f"still serves old code {format_duration(web.settle)} after the switch and "
                f"reload-web ({web.strategy}): {s.detail} ({s.url})"
            )
        clock.sleep(SETTLE_EVERY, ctx.cancel)


def check_host(ctx, host, web) -> str:
    """'' when the host is healthy, else the reason (one line). Without checks nothing is asked:
    whether the new code is served is then the drain's web census's to prove (exit 7)."""
    if not web.health:
        return ""
    why = new_code_answers(ctx, host, web)
    if why:
        return why
    release = ctx.state.release
    for c in web.health:
        req = health_request(host, web, c)
        body = fill(c.body, release=release)
        for attempt in range(1, c.retries + 2):
            r = ctx.run(host, requests_command(ctx.app.php, [req]), STEP, check=False, timeout=60)
            answer = parse_answers(r.exit_code, r.stdout, r.stderr, [req.url])[0]
            wrong = passes(answer, c.status, body)
            if not wrong or attempt > c.retries:
                break
            ctx.clock.sleep(c.interval, ctx.cancel)
        ctx.bus.emit(
            HealthChecked(
                host.name, req.url, not wrong, answer.status, wrong or answer.describe(1), attempt
            )
        )
        if wrong:
            tries = f"{attempt} attempt(s)" if attempt > 1 else "1 attempt"
            return f"GET {req.url} {wrong} ({tries})"
    return ""


def run(ctx, options: Mapping[str, object]) -> str:
    found = ctx.each_web(STEP, lambda h, w: check_host(ctx, h, w))
    if not found:
        return "no web host"
    bad = {h: why for h, why in sorted(found.items()) if why}
    if bad:
        raise Unhealthy(
            "health check failed: " + "; ".join(f"{h}: {why}" for h, why in bad.items()),
            host=next(iter(bad)),
        )
    checks = sum(len(w.health) for _, w in ctx.web_hosts())
    if not checks:
        return "no health checks set (web.health)"
    return f"{checks} check(s) passed on {', '.join(sorted(found))}"
