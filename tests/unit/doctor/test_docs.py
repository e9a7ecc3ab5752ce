"""docs/ci.md cannot rot: its Supervisor program and systemd unit pass `doctor --files` without a
warning, its inventory loads, and its CI recipes keep the settings a draining ship needs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from deploytool.config import load_inventory
from deploytool.config.durations import parse_duration
from deploytool.doctor.files import check_files

DOC = Path(__file__).resolve().parents[3] / "docs" / "ci.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), re.S)


def test_the_supervisor_program_and_the_systemd_unit_pass_doctor_strictly(tmp_path):
    program, unit = blocks("ini")
    (tmp_path / "laravel-worker.conf").write_text(program)
    (tmp_path / "laravel-worker@.service").write_text(unit)
    report = check_files([str(tmp_path)])
    assert {f.subject.split("/")[-1].split(" ")[0] for f in report.findings} == {
        "laravel-worker.conf",
        "laravel-worker@.service",
    }
    assert [f for f in report.findings if f.status != "pass"] == []
    assert {
        "supervisor.stopwaitsecs",
        "supervisor.autorestart",
        "systemd.timeoutstopsec",
        "systemd.restart",
    } <= {f.check for f in report.findings}


def test_the_inventory_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOY_WEBHOOK_URL", "https://hooks.example.com/services/T/B/x")
    inv = tmp_path / "inventory.yml"
    inv.write_text(blocks("yaml")[0])
    loaded = load_inventory(inv)
    assert loaded.stages["production"].confirm and loaded.application.notify is not None


def test_the_ci_recipes_queue_never_cancel_and_outlast_the_drain():
    inventory, gitlab, github, *_gate = (yaml.safe_load(b) for b in blocks("yaml"))
    deadline = parse_duration(inventory["application"]["drain"]["deadline"])
    ship = gitlab["ship"]
    assert ship["resource_group"] == "production" and ship["interruptible"] is False
    assert parse_duration(ship["timeout"]) > deadline + 300
    assert github["concurrency"]["cancel-in-progress"] is False
    assert github["jobs"]["ship"]["timeout-minutes"] * 60 > deadline + 300


def test_the_migration_gate_recipes_run_ci_mode_and_publish_its_reports():
    *_ship, github, gitlab = (yaml.safe_load(b) for b in blocks("yaml"))
    steps = [s.get("run", "") for s in github["jobs"]["gate"]["steps"]]
    assert any("check-migrations --app ." in s and "--github-annotations" in s for s in steps)
    job = gitlab["migrations"]
    assert any("--gitlab-report gl-code-quality.json" in s for s in job["script"])
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality.json"


def test_the_build_once_recipe_ships_one_file_to_every_stage():
    recipe = next(yaml.safe_load(b) for b in blocks("yaml") if "deploytool build" in b)
    built = recipe["build"]["artifacts"]["paths"][0]
    assert any(f'-o "{built}"' in line for line in recipe["build"]["script"])
    for stage in ("staging", "production"):
        job = recipe[stage]
        assert job["interruptible"] is False and "build" in job["needs"]
        (line,) = job["script"]
        assert line.startswith(f'deploytool ship {stage} --artifact "{built}"')
        assert "--ref" not in line
    assert "staging" in recipe["production"]["needs"]
