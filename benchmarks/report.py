"""Figures from raw repetitions (median and range) and the table printed on stdout."""

from __future__ import annotations

import statistics
import subprocess

PER = {"cold": 1, "playbook": 8, "census": 1}  # playbook figures are also shown per step
TITLE = {
    "cold": "1. cold connect + `true` on every host",
    "playbook": "2. no-op playbook, 8 steps with a barrier, open connections (per step)",
    "census": "3. worker census round on every host (per round)",
}
BASELINES = ("asyncssh", "openssh", "ansible")


def summarize(raw: dict) -> dict:
    if "runs" not in raw:
        return raw
    walls = [r["wall"] for r in raw["runs"]]
    cpus = [r["cpu"] for r in raw["runs"]]
    return {
        "reps": len(walls),
        "wall_median": statistics.median(walls),
        "wall_min": min(walls),
        "wall_max": max(walls),
        "cpu_median": statistics.median(cpus),
        "peak_rss_mb": raw["peak_rss_mb"],
        "walls": [round(w, 4) for w in walls],
    }


def brief(fig: dict) -> str:
    if "wall_median" not in fig:
        return str(fig)
    return (
        f"{fig['wall_median'] * 1000:.0f} ms "
        f"[{fig['wall_min'] * 1000:.0f}-{fig['wall_max'] * 1000:.0f}] cpu {fig['cpu_median']:.2f}s "
        f"rss {fig['peak_rss_mb']} MB"
    )


def ansible_version() -> str | None:
    try:
        out = subprocess.run(["ansible", "--version"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return None
    return out.splitlines()[0] if out else None


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}" if seconds >= 0.0995 else f"{seconds * 1000:.1f}"


def table(results: dict) -> str:
    lines = []
    for lab in results.get("light", []):
        n = lab["hosts"]
        lines.append(
            f"\n== {n} hosts (load before {lab['load_before'][0]:.2f}, after "
            f"{lab['load_after'][0]:.2f}) =="
        )
        for workload, title in TITLE.items():
            rows = lab.get(workload)
            if not rows:
                continue
            per = PER[workload]
            lines.append(f"\n{title}")
            lines.append(
                f"  {'client':22} {'median ms':>10} {'range ms':>17} {'cpu s':>7} {'rss MB':>7}  "
                "ratios"
            )
            for client, fig in rows.items():
                if "wall_median" not in fig:
                    lines.append(f"  {client:22} {fig.get('skipped') or fig.get('error')}")
                    continue
                med, lo, hi = (fig[k] / per for k in ("wall_median", "wall_min", "wall_max"))
                ratios = ""
                if client.startswith("deploytool"):
                    ratios = "  ".join(
                        f"{fig['wall_median'] / rows[b]['wall_median']:.2f}x {b}"
                        for b in BASELINES
                        if "wall_median" in rows.get(b, {})
                    )
                lines.append(
                    f"  {client:22} {_ms(med):>10} {_ms(lo) + '-' + _ms(hi):>17} "
                    f"{fig['cpu_median'] / per:7.3f} {fig['peak_rss_mb']:7.1f}  {ratios}"
                )
    ship = results.get("ship")
    if ship:
        lines.append("\n" + ship_table(ship))
    return "\n".join(lines)


def ship_table(ship: dict) -> str:
    if "error" in ship:
        return f"4. real ship: {ship['error']}"
    lines = [
        f"4. real ship on the full lab, K={ship['hosts']} (transport {ship['transport']}, "
        f"drain poll {ship['poll']}), {len(ship['runs'])} run(s)"
    ]
    for r in ship["runs"]:
        lines.append(
            f"  run {r['run']}: total {r['total']:.2f}s  drain {r['drain']:.2f}s  longest "
            f"in-flight job left at restart {r['longest_job_left']:.2f}s  drain overhead "
            f"{r['drain_overhead']:.2f}s  noticed last exit after {r['notice_delay'] * 1000:.0f} "
            f"ms  overhead beyond the work {r['overhead']:.2f}s"
        )
        lines.append("    steps: " + ", ".join(f"{k} {v:.2f}s" for k, v in r["steps"].items()))
    return "\n".join(lines)
