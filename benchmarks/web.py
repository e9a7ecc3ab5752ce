"""Workload 5: the web tier in a real ship (`python -m benchmarks.run --web`, or alone with
`python -m benchmarks.web`), on the full lab at K=3 and K=10 hosts (nginx + php-fpm + opcache
on every host, real workers, Redis, MariaDB).

Per K, in one run, alternating so that machine noise falls on both sides alike:
- a ship with no `web:` settings (what deploytool did before the web tier) and a ship with
  `strategy: opcache-reset` and the web census (prepare-web, reload-web, the probe in the
  drain): the difference is what the web tier adds; prepare-web, reload-web and health are read
  from the events, the census from the drain's duration beside the plain ship's;
- the same open-loop HTTP load (tests/lab/http_load.py, every host's nginx, /sleep/20) for a
  window with no ship and for the window of a web ship: requests per second answered without an
  error, failures, latency p50/p99, side by side.
The lab has its own addresses and ports (127.27.0.N, Redis 6399, MariaDB 3399, root
/tmp/dt-bench-web) and is taken down at the end, by pid.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

from tests.lab.http_load import HttpLoad, Summary
from tests.lab.lab import Lab
from tests.lab.web_conf import FPM_SOCKET, WEB_PORT

from .ship import _deploytool

ROOT = Path("/tmp/dt-bench-web")
RATE_PER_HOST = 10.0  # requests per second per host: 30 at K=3, 100 at K=10
PATH = "/sleep/20"  # ~20 ms in PHP per request: a few in flight per host at any time


def _inventory(lab: Lab, path: Path, web: bool) -> Path:
    data = yaml.safe_load(lab.inventory_path.read_text())
    app = data["application"]
    app["migrations"] = {"policy": "off"}
    app["drain"] = {**app.get("drain", {}), "poll": "0.5s"}
    if web:
        app["web"] = {
            "strategy": "opcache-reset",
            "socket": FPM_SOCKET,
            "url": f"http://{{address}}:{WEB_PORT}",
        }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _steps(events: list[dict]) -> dict[str, float]:
    out: dict[str, float] = {}
    for e in events:
        if e["event"] == "StepFinished":
            out[e["step"]] = round(out.get(e["step"], 0.0) + e["duration"], 3)
    return out


def _held(s: Summary, t0: float, t1: float) -> dict:
    """What the load got between t0 and t1 (by send time)."""
    window = [r for r in s.responses if t0 <= r.sent < t1]
    ok = [r for r in window if not r.failed]
    lat = sorted((r.done - r.sent) * 1000 for r in ok) or [0.0]
    return {
        "seconds": round(t1 - t0, 2),
        "sent": len(window),
        "ok_per_s": round(len(ok) / max(t1 - t0, 1e-6), 1),
        "failed": len(window) - len(ok),
        "p50_ms": round(lat[len(lat) // 2], 1),
        "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1),
    }


def one_pair(lab: Lab, run: int, inv_plain: Path, inv_web: Path) -> dict:
    """A plain ship, a quiet load window, then a web ship under the same load."""
    tags = {}
    for kind in ("plain", "web"):
        tag = f"web{run}{kind}-{int(time.time())}"
        lab.commit_release(tag, {"VERSION": f"{tag}\n"}, base="v2")
        tags[kind] = tag
    _, plain_wall, plain_events, _ = _deploytool(
        "ship", "lab", "-i", str(inv_plain), "--json", "--ref", tags["plain"]
    )
    rate = RATE_PER_HOST * len(lab.hosts)
    with HttpLoad(lab.web.targets(), rate=rate, duration=300, path=PATH) as load:
        quiet0 = time.time()
        time.sleep(8)  # the same load with no ship
        quiet1 = ship0 = time.time()
        _, web_wall, web_events, _ = _deploytool(
            "ship", "lab", "-i", str(inv_web), "--json", "--ref", tags["web"]
        )
        ship1 = time.time()
    s = load.summary()
    plain, web = _steps(plain_events), _steps(web_events)
    added = {k: web.get(k, 0.0) for k in ("prepare-web", "reload-web", "health")}
    added["census (drain, web - plain)"] = round(web.get("drain", 0) - plain.get("drain", 0), 3)
    return {
        "run": run,
        "plain_total": round(plain_wall, 3),
        "web_total": round(web_wall, 3),
        "web_adds": round(web_wall - plain_wall, 3),
        "steps_plain": plain,
        "steps_web": web,
        "added": added,
        "no_ship": _held(s, quiet0, quiet1),
        "during_ship": _held(s, ship0, ship1),
        "load": os.getloadavg()[0],  # the machine is shared: read the figures against it
    }


def run(quick: bool = False, log=print, hosts: int = 3) -> dict:
    lab = Lab(
        ROOT, hosts=hosts, workers=1, address_prefix="127.27.0", redis_port=6399, mariadb_port=3399
    )
    out: dict = {"hosts": hosts, "rate": RATE_PER_HOST * hosts, "path": PATH, "runs": []}
    tmp = ROOT.parent / "dt-bench-web-work"
    tmp.mkdir(exist_ok=True)
    try:
        lab.up()
        lab.reset_app_state()
        inv_plain = _inventory(lab, tmp / "plain.yml", web=False)
        inv_web = _inventory(lab, tmp / "web.yml", web=True)
        _deploytool("ship", "lab", "-i", str(inv_web), "--json", "--ref", "v1")
        lab.start_workers()
        for i in range(1 if quick else 3):
            r = one_pair(lab, i + 1, inv_plain, inv_web)
            log(
                f"  K={hosts} run {r['run']}: plain {r['plain_total']}s, web {r['web_total']}s "
                f"(+{r['web_adds']}s: {r['added']}); rps no ship {r['no_ship']['ok_per_s']} "
                f"vs during {r['during_ship']['ok_per_s']} (failed {r['during_ship']['failed']})"
            )
            out["runs"].append(r)
    except Exception as e:  # reported in the results; the other workloads' figures still stand
        out["error"] = f"{type(e).__name__}: {e}"[:4000]
    finally:
        lab.down()
    return out


def run_all(quick: bool = False, log=print, hosts=(3, 10)) -> dict:
    return {"by_hosts": {str(k): run(quick, log, hosts=k) for k in hosts}}


def median(runs: list[dict], *path: str) -> float:
    vals = []
    for r in runs:
        v = r
        for p in path:
            v = v.get(p, {}) if isinstance(v, dict) else {}
        if isinstance(v, (int, float)):
            vals.append(v)
    return round(statistics.median(vals), 3) if vals else float("nan")


def table(web: dict) -> str:
    lines = [
        "5. the web tier in a real ship (opcache-reset + web census vs no web settings; "
        "medians; load open-loop on every host's nginx)",
        "| K | plain ship | web ship | web adds | prepare-web | reload-web | census | "
        "rps no ship | rps during ship | failed during ship | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k, b in sorted(web.get("by_hosts", {}).items(), key=lambda x: int(x[0])):
        if "error" in b:
            lines.append(f"| {k} | error: {b['error'][:200]} |")
            continue
        rs = b["runs"]
        failed = sum(r["during_ship"]["failed"] for r in rs)
        lines.append(
            f"| {k} | {median(rs, 'plain_total')} s | {median(rs, 'web_total')} s | "
            f"{median(rs, 'web_adds')} s | {median(rs, 'added', 'prepare-web')} s | "
            f"{median(rs, 'added', 'reload-web')} s | "
            f"{median(rs, 'added', 'census (drain, web - plain)')} s | "
            f"{median(rs, 'no_ship', 'ok_per_s')} | {median(rs, 'during_ship', 'ok_per_s')} | "
            f"{failed} of {sum(r['during_ship']['sent'] for r in rs)} | {median(rs, 'load')} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="workload 5 alone")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--hosts", default="3,10", help="lab sizes, comma-separated")
    p.add_argument("--out", default="bench-web.json")
    a = p.parse_args()
    got = run_all(
        a.quick,
        log=lambda m: print(m, file=sys.stderr),
        hosts=tuple(int(x) for x in a.hosts.split(",")),
    )
    Path(a.out).write_text(json.dumps(got, indent=1) + "\n")
    print(table(got))
