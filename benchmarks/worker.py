"""One measurement in its own process: `python -m benchmarks.worker SPEC_JSON` prints a JSON line.

A fresh process per (client, workload, host count) so that peak RSS is that client's alone and
imports are not shared. Each repetition is timed with perf_counter; client CPU is this process's
user+system time plus its reaped children's (ssh, xargs, ansible) plus helper processes it
keeps (ControlMasters), read from getrusage and /proc, for the timed part only.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from .clients import Setup, Target, make


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def measure(client, fn, reps: int) -> list[dict]:
    out = []
    for _ in range(reps):
        c0, h0, t0 = _cpu(), client.helper_cpu(), time.perf_counter()
        fn()
        wall = time.perf_counter() - t0
        out.append({"wall": wall, "cpu": _cpu() - c0 + client.helper_cpu() - h0})
    return out


def main(spec: dict) -> dict:
    setup = Setup(**{**spec["setup"], "hosts": tuple(Target(**h) for h in spec["setup"]["hosts"])})
    client = make(spec["client"], setup)
    workload, reps = spec["workload"], spec["reps"]
    try:
        if workload == "cold":
            runs = measure(client, client.cold, reps)
        else:
            client.open()
            fn = client.playbook if workload == "playbook" else client.census_round
            fn()  # one warm-up: first-use costs are not the steady state
            runs = measure(client, fn, reps)
    finally:
        client.close()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"runs": runs, "peak_rss_mb": round(rss_kb / 1024, 1), "steps": client.steps}


if __name__ == "__main__":
    result = main(json.loads(sys.argv[1]))
    print(json.dumps(result))
