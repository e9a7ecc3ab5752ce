"""python -m tests.lab.measure_web [--reloads 9] [--hold 30]: the web tier's facts, measured.

On a lab that is up (its root from $DEPLOYTOOL_LAB), h1 gets releases A (v1) and B (v2) by hand,
then, under load from http_load at 20 requests/s:
- how long `current` -> B takes to be served with $realpath_root, after an opcache reset and
  after a USR2 reload with $document_root (time from the action to the first answer from B, and
  old answers after the action), and whether $document_root still serves A `--hold` s after the
  switch (with validate_timestamps 0 and 1);
- USR2 reloads under load with process_control_timeout 0 and 10: requests and failures.
Prints one line per fact (the numbers in tests/lab/README.md come from here). Resets the fleet's
app state first: do not run it on a lab a test session is using.
"""

from __future__ import annotations

import argparse
import time

from .handmade import prepare_release, switch
from .http_load import HttpLoad
from .lab import Lab
from .procs import wait_until

A, B = "20260201000001", "20260201000002"


def _answers_after(load: HttpLoad, moment: float, n: int) -> None:
    wait_until(lambda: len(load.summary().served_after(moment)) >= n, 30, f"{n} answers")


def flip(lab: Lab, web_root: str, action: str) -> str:
    """Serve A, switch to B, do `action` (none | opcache-reset | usr2); how fast B is served."""
    with lab.web.configured("h1", web_root=web_root, validate_timestamps=False):
        switch(lab, "h1", A)
        lab.web.opcache_reset("h1")
        with HttpLoad(lab.web.targets(["h1"]), rate=20, duration=60) as load:
            _answers_after(load, time.time(), 10)
            switch(lab, "h1", B)
            acted = time.time()
            if action == "opcache-reset":
                lab.web.opcache_reset("h1")
            elif action == "usr2":
                lab.web.reload_fpm("h1")
            wait_until(lambda: load.summary().served_after(acted, release=B), 20, "B")
            _answers_after(load, time.time(), 10)
        s = load.summary()
    first_b = min(r.sent for r in s.served_after(acted, release=B))
    old = len(s.served_after(acted, release=A))
    return (
        f"{web_root}_root + {action}: first answer from the new release {first_b - acted:.3f}s "
        f"after the {'switch' if action == 'none' else action}; {old} old answer(s) after it; "
        f"{len(s.failed)} failed of {s.total}"
    )


def hold(lab: Lab, validate_timestamps: bool, seconds: float) -> str:
    with lab.web.configured("h1", web_root="document", validate_timestamps=validate_timestamps):
        switch(lab, "h1", A)
        lab.web.opcache_reset("h1")
        with HttpLoad(lab.web.targets(["h1"]), rate=5, duration=seconds + 5) as load:
            _answers_after(load, time.time(), 5)
            switch(lab, "h1", B)
            switched = time.time()
            s = load.wait()
    after = s.served_after(switched)
    last_a = max((r.sent for r in after if r.release == A), default=switched) - switched
    return (
        f"document_root, validate_timestamps={int(validate_timestamps)}: {len(after)} answers "
        f"in {seconds:g}s after the switch, {s.by_release()[B]} from the new release, the old "
        f"one still answering at +{last_a:.0f}s"
    )


def reloads(lab: Lab, timeout: int, count: int, path: str) -> str:
    switch(lab, "h1", A)
    with lab.web.configured("h1", process_control_timeout=timeout):
        with HttpLoad(lab.web.targets(["h1"]), rate=20, duration=300, path=path) as load:
            durations = []
            for _ in range(count):
                _answers_after(load, time.time(), 5)
                started = time.time()
                lab.web.reload_fpm("h1")
                durations.append(time.time() - started)
            _answers_after(load, time.time(), 5)
        s = load.summary()
    return (
        f"process_control_timeout={timeout}s, {count} USR2 reloads, 20 req/s on {path}: "
        f"{s.total} requests, {len(s.failed)} failed; reload took "
        f"{min(durations):.2f}-{max(durations):.2f}s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.lab.measure_web")
    parser.add_argument("--reloads", type=int, default=9)
    parser.add_argument("--hold", type=float, default=30)
    args = parser.parse_args(argv)
    lab = Lab()
    lab.reset_app_state(drop_schema=False)
    prepare_release(lab, "h1", "v1", A, link=False)
    prepare_release(lab, "h1", "v2", B, link=False)
    for web_root, action in (("realpath", "none"), ("document", "opcache-reset")):
        print(flip(lab, web_root, action), flush=True)
    print(flip(lab, "document", "usr2"), flush=True)
    for vt in (False, True):
        print(hold(lab, vt, args.hold), flush=True)
    for path in ("/sleep/200", "/health"):
        for timeout in (0, 10):
            print(reloads(lab, timeout, args.reloads, path), flush=True)
    lab.reset_app_state(drop_schema=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
