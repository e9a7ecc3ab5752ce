"""The migration gate inside a real ship: an unsafe migration stops the ship before `migrate`,
with no host switched and no worker restarted; an allow annotation lets it through, visibly."""

from __future__ import annotations

import pytest

from .conftest import current_of, ship

pytestmark = pytest.mark.lab

DROP = """<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

class DropLedgerVersion extends Migration
{
    public function up()
    {
        %s
        Schema::table('ledger', function (Blueprint $table) {
            $table->dropColumn('version');   // the running workers still write this column
        });
    }
}
"""
FILE = "database/migrations/2030_01_01_000000_drop_ledger_version.php"


def worker_pids(lab):
    return {h.name: sorted(pid for _, pid in lab.worker_status(h).values()) for h in lab.hosts}


def test_dropping_a_column_the_old_code_reads_stops_the_ship_before_migrate(lab, fresh):
    lab.commit_release("gate-drop", {FILE: DROP % ""}, base="v2")
    before, pids = current_of(lab), worker_pids(lab)
    result = ship(fresh, "--ref", "gate-drop")
    assert result.code == 6, result
    started = [e["step"] for e in result.of("StepStarted")]
    assert started[-1] == "check-migrations" and "migrate" not in started
    assert current_of(lab) == before
    assert worker_pids(lab) == pids  # never restarted
    report = result.of("StepOutput")[0]
    text = "\n".join(report["lines"])
    assert "2030_01_01_000000_drop_ledger_version" in text and "drop-column" in text
    finding = report["data"]["findings"][0]
    assert finding["rule"] == "drop-column" and "later release" in finding["alternative"]
    cols = lab.sql(
        "select column_name from information_schema.columns where table_name='ledger'"
    ).stdout
    assert "version" in cols  # nothing was migrated


def test_an_allow_annotation_with_a_reason_lets_the_same_ship_through_and_says_so(lab, fresh):
    reason = "workers stopped writing version in release 41"
    lab.commit_release(
        "gate-drop-allowed",
        {FILE: DROP % f"// deploytool: allow drop-column -- {reason}"},
        base="v2",
    )
    result = ship(fresh, "--ref", "gate-drop-allowed")
    assert result.code == 0, result
    report = result.of("StepOutput")[0]
    finding = report["data"]["findings"][0]
    assert finding["allowed"] and finding["allow_reason"] == reason
    assert reason in "\n".join(report["lines"])
    assert set(current_of(lab).values()) == {result.release}


ADD_NOTE = """<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::table('ledger', function (Blueprint $table) {
            $table->string('audit_note')->nullable();
        });
    }
};
"""
DROP_NOTE = ADD_NOTE.replace(
    "$table->string('audit_note')->nullable();", "$table->dropColumn('audit_note');"
)


def test_dropping_a_column_the_running_release_never_names_passes_and_says_what_it_searched(
    lab, fresh
):
    # the release that added the column never used it in code: its drop breaks no old worker,
    # found by searching the code `current` runs on the migration host (migrations left out)
    lab.commit_release(
        "gate-add-note", {"database/migrations/2030_01_02_000000_add_note.php": ADD_NOTE}, base="v2"
    )
    assert ship(fresh, "--ref", "gate-add-note").code == 0
    lab.commit_release(
        "gate-drop-note",
        {"database/migrations/2030_01_03_000000_drop_note.php": DROP_NOTE},
        base="gate-add-note",
    )
    result = ship(fresh, "--ref", "gate-drop-note")
    assert result.code == 0, result
    findings = result.of("StepOutput")[0]["data"]["findings"]
    assert [(f["rule"], f["severity"]) for f in findings] == [("contract-unused", "warn")]
    assert "running release's code on h1" in findings[0]["why"], findings
    cols = lab.sql(
        "select column_name from information_schema.columns where table_name='ledger'"
    ).stdout
    assert "audit_note" not in cols  # migrated
    assert set(current_of(lab).values()) == {result.release}
