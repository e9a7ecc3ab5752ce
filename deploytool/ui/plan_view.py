"""How a plan looks: per host the current release and commit, the target commit, the workers
running now and what cleanup would delete; then the pending migrations and the gate's verdict.
Plain lines (CI, pipes) and a rich rendering (terminal) of the same plan document."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..config.durations import format_duration


def _short(commit: str) -> str:
    return commit[:12] if commit else "?"


def _current(h: dict) -> str:
    c = h.get("current")
    if not c:
        return "none (first ship)"
    extra = ", ".join(
        x for x in (c["ref"], c["deployed_by"] and f"by {c['deployed_by']}", c["deployed_at"]) if x
    )
    return f"{c['release']} commit {_short(c['commit'])}" + (f" ({extra})" if extra else "")


def _target(h: dict) -> str:
    t = h["target"]
    if not t["commit"]:
        return f"UNKNOWN: {t['error']}"
    same = h.get("current") and h["current"]["commit"] == t["commit"]
    return (
        f"{_short(t['commit'])} (from {t['source']})"
        + (" = current commit: a ship rebuilds the same code" if same else "")
        + (f"; {t['error']}" if t["error"] else "")
    )


def _workers(h: dict) -> str:
    ws = h["workers"]
    if not ws:
        return "none running"
    parts = [
        f"pid {w['pid']} ({'current' if w['current'] else 'OLD ' + w['release']}, {w['state']}, "
        f"{format_duration(w['age'])})"
        for w in ws
    ]
    return f"{len(ws)} running, all restart into the new release: " + ", ".join(parts)


def _cleanup(h: dict) -> str:
    c = h["cleanup"]
    text = ("would delete " + ", ".join(c["delete"])) if c["delete"] else "would delete nothing"
    text += f" (keeps {c['keep']})"
    if c["kept_in_use"]:
        text += "; kept while in use: " + ", ".join(c["kept_in_use"])
    return text


def _migrations(p: dict) -> list[str]:
    m = p["migrations"]
    head = (
        f"migrations (on {m['host']}, pretended in memory against the live database; nothing run):"
    )
    if not m["known"]:
        return [head, f"  unknown: {m['why']}"]
    if not m["pending"]:
        return [head, "  none pending"]
    lines = [head, f"  {len(m['pending'])} pending: " + ", ".join(m["pending"])]
    gate = m["gate"]
    if gate is None:
        lines.append(f"  gate: {m['why'] or 'off (migrations.policy: off)'}")
        return lines
    c = gate["counts"]
    verdict = "BLOCKED: the ship would stop before migrating" if gate["blocked"] else "ok"
    lines.append(
        f"  gate ({gate['dialect']}, policy {m['policy']}): {verdict}: {c['block']} blocking, "
        f"{c['warn']} warning(s), {c['allowed']} allowed"
    )
    for f in gate["findings"]:
        label = "ALLOWED" if f["allowed"] else f["severity"].upper()
        lines.append(f"    {label} {f['migration']}: {f['rule']}: {f['excerpt']}")
        lines.append(f"      why: {f['why']}")
    return lines


def header(p: dict) -> str:
    t = p["target"]
    if not t["agreed"]:
        commit = "hosts disagree: " + ", ".join(_short(c) for c in t["seen"])
    else:
        commit = _short(t["commit"]) if t["commit"] else "not resolved"
    return f"plan {p['stage']}: ship {p['ref']} ({commit}) to {len(p['hosts'])} host(s)"


def plain_lines(p: dict) -> list[str]:
    lines = [header(p)]
    for h in p["hosts"]:
        lines.append(f"{h['host']}" + (" (migrations run here)" if h["migrate"] else ""))
        if h["error"]:
            lines.append(f"  UNREACHABLE: {h['error']}")
            continue
        lines += [
            f"  current:  {_current(h)}",
            f"  target:   {_target(h)}",
            f"  workers:  {_workers(h)}",
            f"  cleanup:  {_cleanup(h)}",
        ]
    lines += _migrations(p)
    lines.append(
        "nothing was changed"
        + (" (except the cached git mirrors: --fetch)" if p["fetched"] else "")
    )
    return lines


def rich(p: dict):
    t = Table(title=Text(header(p), style="bold"), title_justify="left", show_lines=True)
    for col in ("host", "current", "target", "workers now", "cleanup after"):
        t.add_column(col, overflow="fold")
    for h in p["hosts"]:
        name = h["host"] + ("\n(migrations)" if h["migrate"] else "")
        if h["error"]:
            t.add_row(name, Text("UNREACHABLE: " + h["error"], style="bold red"), "", "", "")
            continue
        target = Text(_target(h), style="bold red" if not h["target"]["commit"] else "")
        t.add_row(name, _current(h), target, _workers(h), _cleanup(h))
    gate = p["migrations"]["gate"]
    style = "bold red" if gate and gate["blocked"] else "green" if gate else ""
    mig = Text("\n".join(_migrations(p)), style=style)
    return Group(t, mig, Text("nothing was changed", style="dim"))


plain = plain_lines
