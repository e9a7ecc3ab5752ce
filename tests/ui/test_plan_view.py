"""How a plan reads: plain lines (snapshot) and the rich table, for a plan whose gate blocks and
one host that could not be reached."""

from __future__ import annotations

import io

from rich.console import Console

from deploytool.ui import plan_view
from deploytool.ui.document import Document, show
from deploytool.ui.env import Env

from .snapshot import snapshot

V1, V2 = "3662ffa0a296" + "0" * 28, "e3bbaff86aae" + "1" * 28


def host(name, migrate=False, **over):
    h = {
        "host": name,
        "migrate": migrate,
        "error": "",
        "current": {
            "release": "20260101T000000Z-3662ffa",
            "commit": V1,
            "ref": "v1",
            "deployed_by": "ci@runner",
            "deployed_at": "2026-01-01T00:00:00+00:00",
        },
        "target": {"commit": V2, "source": "origin", "error": ""},
        "workers": [
            {
                "pid": 227,
                "release": "20260101T000000Z-3662ffa",
                "current": True,
                "state": "sleeping",
                "age": 62.0,
            }
        ],
        "cleanup": {"keep": 3, "delete": ["20251201T000000Z-aaaaaaa"], "kept_in_use": []},
    }
    h.update(over)
    return h


PLAN = {
    "version": 1,
    "stage": "production",
    "ref": "v2",
    "fetched": False,
    "target": {"commit": V2, "agreed": True, "seen": [V2]},
    "hosts": [
        host("app1", migrate=True),
        host(
            "app2",
            workers=[],
            cleanup={"keep": 3, "delete": [], "kept_in_use": ["20251101T000000Z-b"]},
        ),
        {
            "host": "app3",
            "migrate": False,
            "error": "app3: connect: SSH to 10.0.0.3:22 timed out after 10s",
        },
    ],
    "migrations": {
        "host": "app1",
        "policy": "block",
        "known": True,
        "why": "",
        "pending": ["2030_01_01_000000_drop_ledger_host"],
        "gate": {
            "version": 1,
            "dialect": "mysql",
            "blocked": True,
            "migrations": ["2030_01_01_000000_drop_ledger_host"],
            "counts": {"block": 1, "warn": 0, "allowed": 0},
            "findings": [
                {
                    "migration": "2030_01_01_000000_drop_ledger_host",
                    "rule": "drop-column",
                    "category": "breaks-old-code",
                    "statement_index": 1,
                    "statement": "alter table `ledger` drop `host`",
                    "excerpt": "alter table `ledger` drop `host`",
                    "why": "old workers still select it",
                    "alternative": "expand/contract",
                    "severity": "block",
                    "allowed": False,
                    "allow_reason": None,
                }
            ],
        },
    },
}


def test_plain_plan_snapshot():
    snapshot("plan.txt", "\n".join(plan_view.plain_lines(PLAN)) + "\n")


def test_rich_plan_shows_hosts_the_unreachable_one_and_the_verdict():
    c = Console(record=True, width=160, force_terminal=True, color_system=None, file=io.StringIO())
    c.print(plan_view.rich(PLAN))
    text = c.export_text()
    assert "plan production: ship v2 (e3bbaff86aae) to 3 host(s)" in text
    assert "UNREACHABLE: app3: connect:" in text  # cells wrap: check the pieces
    assert (
        "20251201T000000Z-aaaaaaa (keeps 3)" in text and "while in use: 20251101T000000Z-b" in text
    )
    assert "BLOCKED: the ship would stop before migrating" in text and "nothing was changed" in text


def test_show_picks_plain_lines_off_a_terminal():
    out = io.StringIO()
    show(Env(stdout=out), Document("plan", PLAN))
    assert out.getvalue().splitlines()[0] == "plan production: ship v2 (e3bbaff86aae) to 3 host(s)"
