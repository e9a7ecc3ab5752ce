"""Maintenance mode driven by the gate (`maintenance: auto`, `migrations.policy: warn`) on the real
lab: a compatible release ships with the app up; one that drops a column the old code reads takes
it down for the migrate (seen by Laravel itself from inside the migration) and up again after; a
migrate that fails half-way leaves it down, says how to lift it, and that command lifts it. The
bypass secret appears once in the output and nowhere else: not in the JSON stream, the audit logs
(here and on every host) or any other output line.
"""

from __future__ import annotations

import json

import pytest

from .conftest import AUDIT_LOG, deploytool, ship, write_inventory

pytestmark = pytest.mark.lab

HEAD = """<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

return new class extends Migration
{
    public function up()
    {
        if (! app('db')->pretending()) {  // what Laravel itself says while the migration runs
            file_put_contents(storage_path('app/maintenance-probe-%(name)s.json'), json_encode([
                'down' => app()->isDownForMaintenance(),
                'secret' => json_decode((string) @file_get_contents(storage_path('framework/down')),
                    true)['secret'] ?? null,
            ]));
        }
        Schema::table('widgets', function (Blueprint $table) {
            %(change)s
        });
        %(after)s
    }
};
"""


def migration(name: str, change: str, after: str = "") -> dict[str, str]:
    path = f"database/migrations/2030_0{len(name) % 9 + 1}_01_000000_{name}.php"
    return {path: HEAD % {"name": name, "change": change, "after": after}}


def probe(lab, name: str) -> dict:
    return json.loads(
        (lab.hosts[0].app_dir / f"shared/storage/app/maintenance-probe-{name}.json").read_text()
    )


def down_file(h):
    return h.app_dir / "shared/storage/framework/down"


def audit_text(lab) -> str:
    remote = "".join(
        (h.app_dir / ".deploytool/audit.log").read_text()
        for h in lab.hosts
        if (h.app_dir / ".deploytool/audit.log").exists()
    )
    return remote + (AUDIT_LOG.read_text() if AUDIT_LOG.exists() else "")


def test_down_only_for_a_breaking_change_up_after_success_held_after_a_failed_migrate(
    lab, fresh, tmp_path
):
    inv = write_inventory(
        lab, tmp_path / "maintenance.yml", maintenance="auto", migrations={"policy": "warn"}
    )
    lab.commit_release("mt-ok", migration("add_note", "$table->string('note')->nullable();"))
    lab.commit_release(
        "mt-drop", migration("drop_name", "$table->dropColumn('name');"), base="mt-ok"
    )
    lab.commit_release(
        "mt-fail",
        migration(
            "drop_updated",
            "$table->dropColumn('updated_at');",
            "if (! app('db')->pretending()) { throw new RuntimeException('half-way'); }",
        ),
        base="mt-drop",
    )

    # A compatible change: the app stays up.
    ok = ship(inv, "--ref", "mt-ok")
    assert ok.code == 0, ok
    assert ok.of("Maintenance") == [] and probe(lab, "add_note")["down"] is False

    # A column the old code reads is dropped under `warn`: down for the migrate, up after.
    dropped = deploytool("ship", "lab", "-i", str(inv), "--ref", "mt-drop")  # plain output
    assert dropped.code == 0, dropped
    seen = probe(lab, "drop_name")
    secret = seen["secret"]
    assert seen["down"] is True and secret and len(secret) >= 20
    assert "MAINTENANCE: the app is down on h1, h2, h3" in dropped.stdout
    assert "drop-column" in dropped.stdout and "up again on h1, h2, h3" in dropped.stdout
    assert (dropped.stdout + dropped.stderr).count(secret) == 1  # printed once
    assert secret not in audit_text(lab)
    assert not any(down_file(h).exists() for h in lab.hosts)

    # The migrate fails half-way: the app stays down, and the output says how to lift it.
    failed = ship(inv, "--ref", "mt-fail")  # --json
    assert failed.code == 1, failed
    assert all(down_file(h).exists() for h in lab.hosts)
    secret = json.loads(down_file(lab.hosts[0]).read_text())["secret"]
    assert secret not in failed.stdout  # the JSON stream
    assert failed.stderr.count(secret) == 1  # once, for the person reading the job's log
    assert secret not in audit_text(lab)
    held = failed.of("Maintenance")[-1]
    assert held["state"] == "held" and held["bypass"] == ""
    finished = failed.of("ShipFinished")[-1]
    lift = f"deploytool maintenance up lab -i {inv}"
    assert "migrate" in finished["message"] and lift in finished["hint"]
    assert "never lifted after a failed migrate" in finished["hint"]

    lifted = deploytool(*lift.split()[1:])
    assert lifted.code == 0, lifted
    assert "lifted on h1, h2, h3" in lifted.stdout
    assert not any(down_file(h).exists() for h in lab.hosts)
    assert secret not in audit_text(lab)
