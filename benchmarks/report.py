"""Figures from raw repetitions (median and range), the side-by-side table printed on stdout, and
issue 15's targets checked against one run's figures."""

from __future__ import annotations

import statistics

TITLE = {
    "cold": "1. cold connect + `true` on every host",
    "playbook": "2. no-op playbook with a barrier per step, open connections (per step)",
    "census": "3. worker census round on every host (per round)",
}
DT = "deploytool:asyncssh"  # the default transport: the one the targets are about


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
        "steps": raw.get("steps", 8),
        "walls": [round(w, 4) for w in walls],
    }


def per(workload: str, fig: dict) -> float | None:
    """The figure a row shows: per step for the playbook, per run otherwise (None: no figure)."""
    if "wall_median" not in fig:
        return None
    return fig["wall_median"] / (fig.get("steps", 8) if workload == "playbook" else 1)


def brief(fig: dict) -> str:
    if "wall_median" not in fig:
        return str(fig)
    return (
        f"{fig['wall_median'] * 1000:.0f} ms "
        f"[{fig['wall_min'] * 1000:.0f}-{fig['wall_max'] * 1000:.0f}] cpu {fig['cpu_median']:.2f}s "
        f"rss {fig['peak_rss_mb']} MB x{fig['reps']}"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}" if seconds >= 0.0995 else f"{seconds * 1000:.1f}"


def cell(workload: str, fig: dict | None) -> str:
    if fig is None:
        return "-"
    v = per(workload, fig)
    if v is None:
        return (fig.get("skipped") or fig.get("error") or "failed")[:40]
    cpu = fig["cpu_median"] / (fig.get("steps", 8) if workload == "playbook" else 1)
    return f"{_ms(v)} ms ({cpu:.2f} s)"


def grid(labs: list[dict]) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """Per workload that has figures: its title and, per client, one cell per host count."""
    out = []
    for workload, title in TITLE.items():
        clients: list[str] = []
        for lab in labs:
            clients += [c for c in lab.get(workload, {}) if c not in clients]
        rows = [
            (c, [cell(workload, lab.get(workload, {}).get(c)) for lab in labs]) for c in clients
        ]
        if rows:
            out.append((title, rows))
    return out


def table(results: dict) -> str:
    labs = results.get("light", [])
    lines = [
        f"machine: {results.get('machine', '')}",
        "loads (1 min) before/after each host count: "
        + ", ".join(
            f"{lab['hosts']}: {lab['load_before'][0]:.1f}/{lab['load_after'][0]:.1f}"
            for lab in labs
            if (lab.get("load_after") or [None])[0] is not None
        ),
    ]
    counts = [lab["hosts"] for lab in labs]
    for title, rows in grid(labs):
        lines += ["", f"{title}: median (client CPU s)"]
        lines.append(f"  {'client':26}" + "".join(f"{f'{n} hosts':>26}" for n in counts))
        for c, row in rows:
            lines.append(f"  {c:26}" + "".join(f"{x:>26}" for x in row))
    lines += ["", "targets (issue 15):"] + [f"  {t}" for t in targets(results)]
    ship = results.get("ship")
    if ship:
        lines.append("\n" + ship_table(ship))
    if results.get("web"):
        from .web import table as web_table

        lines.append("\n" + web_table(results["web"]))
    return "\n".join(lines)


def _fig(results: dict, n: int, workload: str, client: str) -> float | None:
    for lab in results.get("light", []):
        if lab["hosts"] == n:
            return per(workload, lab.get(workload, {}).get(client, {}))
    return None


def targets(results: dict) -> list[str]:
    """Each target with the figures of this run and met / NOT met / not measured."""
    out = []

    def say(name: str, ok: bool | None, detail: str) -> None:
        verdict = "not measured" if ok is None else ("met" if ok else "NOT met")
        out.append(f"{name}: {verdict} ({detail})")

    c100, c500 = _fig(results, 100, "cold", DT), _fig(results, 500, "cold", DT)
    if c100 and c500:
        say("cold connect at 500 within 5x of 100", c500 <= 5 * c100, f"{c500 / c100:.2f}x")
    else:
        say("cold connect at 500 within 5x of 100", None, "needs 100 and 500 hosts")
    p = _fig(results, 500, "playbook", DT)
    for base, factor, word in (
        ("asyncssh", 1.0, "within"),
        ("pyinfra", 10, "x"),
        ("ansible", 50, "x"),
    ):
        b = _fig(results, 500, "playbook", base)
        name = (
            "per step at 500 within 1.0x the bare loop"
            if base == "asyncssh"
            else f"per step at 500 at least {factor:g}x faster than {base}"
        )
        if p and b:
            ok = p <= b * factor if word == "within" else b / p >= factor
            say(name, ok, f"{p / b:.2f}x" if word == "within" else f"{b / p:.0f}x faster")
        else:
            say(name, None, "no figure at 500 hosts")
    w = _fig(results, 500, "census", DT + "+watch")
    say(
        "census round at 500 under 150 ms",
        None if w is None else w < 0.150,
        "no figure" if w is None else f"{w * 1000:.0f} ms",
    )
    return out


def ship_table(ship: dict) -> str:
    if "error" in ship:
        return f"4. real ship: {ship['error']}"
    lines = []
    for k, block in sorted(ship.get("by_hosts", {"3": ship}).items()):
        if "error" in block:
            lines.append(f"4. real ship, K={k}: {block['error']}")
            continue
        lines.append(
            f"4. real ship on the full lab, K={block['hosts']} (transport {block['transport']}, "
            f"drain poll {block['poll']}, job {block['job_seconds']:g} s), "
            f"{len(block['runs'])} run(s)"
        )
        for r in block["runs"]:
            lines.append(
                f"  run {r['run']}: total {r['total']:.2f}s  remote critical path "
                f"{r['critical']:.2f}s  tool latency {r['latency']:.2f}s (start-up "
                f"{r['startup']:.2f}s, first event at {r['first_event']:.2f}s)  drain "
                f"{r['drain']:.2f}s  noticed last exit after {r['notice_delay'] * 1000:.0f} ms"
            )
            lines.append("    steps: " + ", ".join(f"{k} {v:.2f}s" for k, v in r["steps"].items()))
    return "\n".join(lines)


def markdown(results: dict) -> str:
    """The same side-by-side figures as markdown tables (docs/performance.md takes them as is)."""
    labs = results.get("light", [])
    out = []
    for title, rows in grid(labs):
        out += ["", f"**{title}**: median wall time (client CPU s)", ""]
        out.append("| client | " + " | ".join(f"{lab['hosts']} hosts" for lab in labs) + " |")
        out.append("|---" * (len(labs) + 1) + "|")
        out += [f"| {c} | " + " | ".join(cells) + " |" for c, cells in rows]
    return "\n".join(out)


if __name__ == "__main__":  # python -m benchmarks.report bench-results.json
    import json
    import sys

    data = json.loads(open(sys.argv[1]).read())
    print(markdown(data) + "\n\n" + "\n".join(f"- {t}" for t in targets(data)))
