"""After a dead run, on a recording transport: a takeover stops the dead run's commands by its
token and removes its half-built release (or keeps it where a host runs it); the run keeps its own
journal in the lock; a split fleet is named by pull and repaired or refused by select-rollback; a
lock that cannot be released and a migration host lost mid-migrate are said. The same on real
hosts: tests/e2e/test_sigkill.py, test_host_faults.py."""

from __future__ import annotations

import dataclasses
import json

import pytest

from deploytool.errors import DeployError, ExitCode, UnreachableError
from deploytool.events import Maintenance, ShipFinished
from deploytool.events import Warning as WarningEvent
from deploytool.pipeline import run_steps
from deploytool.redaction import Secret
from deploytool.session import run_session
from deploytool.steps import REGISTRY

from .test_runner import happy, make

OLD, DEAD = "20200101T000000Z-1111111", "20200102T000000Z-2222222"
DEAD_OWNER = {"owner": "ci@runner", "pid": 4242, "run": "deadbeef" * 4, "release": DEAD}


def takeover(answer, owner, release_fails=False):
    def lock_then(host, text):
        if "deploytool-lock" in text:
            if " acquire " in text:
                return 0, "TAKEOVER 999999990 1000000000\n" + json.dumps(owner) + "\n"
            if " release " in text and release_fails:
                raise UnreachableError(host, "lock", "SSH to 10.0.0.1:22 timed out", timed_out=True)
            return 0, ("RELEASED" if " release " in text else "RENEWED") + " 1 1000000000\n"
        return answer(host, text)

    return lock_then


def session(answer, tmp_path, monkeypatch, command="ship"):
    monkeypatch.setenv("DEPLOYTOOL_AUDIT_LOG", str(tmp_path / "audit.log"))
    ctx, tr, rec = make(answer)
    specs = ctx.playbook.rollback if command == "rollback" else ctx.playbook.steps
    code = run_session(ctx, command, specs, REGISTRY, ctx.playbook.on_failure)
    return code, ctx, tr, rec


def warnings(rec) -> list[str]:
    return [e.message for e in rec.of(WarningEvent)]


def stopped_on_h1(host, text):
    if "deploytool-stop" in text:
        return 0, "1234\n1240\n" if host == "h1" else ""
    return happy(host, text)


def test_a_takeover_stops_the_dead_runs_commands_and_removes_its_release(tmp_path, monkeypatch):
    code, ctx, tr, rec = session(takeover(stopped_on_h1, DEAD_OWNER), tmp_path, monkeypatch)
    assert code == ExitCode.OK
    assert sorted(tr.ran("DEPLOYTOOL_RUN=" + DEAD_OWNER["run"])) == ["h1", "h2", "h3"]
    assert sorted(tr.ran(f"rm -rf -- /app/releases/{DEAD}")) == ["h1", "h2", "h3"]
    said = next(w for w in warnings(rec) if w.startswith("after the previous deploy"))
    assert "stopped the processes it left running on h1 (2)" in said
    assert f"removed its half-built release {DEAD} from every host" in said
    first_step = next(i for i, (_, t) in enumerate(tr.log) if "rev-parse" in t)
    last_stop = max(i for i, (_, t) in enumerate(tr.log) if "deploytool-stop" in t)
    assert last_stop < first_step  # recovered before anything of this run


def test_a_release_a_host_runs_is_kept_and_a_killed_migration_is_named(tmp_path, monkeypatch):
    def dead_is_current_on_h1(host, text):
        if "readlink" in text and "/app/current" in text and "rev-parse" not in text:
            return 0, f"releases/{DEAD if host == 'h1' else OLD}\n"
        return happy(host, text)

    owner = {**DEAD_OWNER, "step": "migrate"}
    code, ctx, tr, rec = session(takeover(dead_is_current_on_h1, owner), tmp_path, monkeypatch)
    said = next(w for w in warnings(rec) if w.startswith("after the previous deploy"))
    assert f"kept its release {DEAD}: h1 run it" in said
    assert "the migration may have partly run" in said
    assert tr.ran(f"rm -rf -- /app/releases/{DEAD}") == []
    assert any("in migrate" in w for w in warnings(rec) if w.startswith("took over"))


def test_a_record_naming_no_release_id_touches_no_directory(tmp_path, monkeypatch):
    owner = {**DEAD_OWNER, "release": "../../etc"}
    code, ctx, tr, rec = session(takeover(happy, owner), tmp_path, monkeypatch)
    assert [t for _, t in tr.log if "../../etc" in t and "audit" not in t] == []


def test_the_release_is_in_the_lock_before_a_byte_of_it_is_built(tmp_path, monkeypatch):
    code, ctx, tr, rec = session(takeover(happy, {}), tmp_path, monkeypatch)
    rel = ctx.state.release
    noted = next(i for i, (_, t) in enumerate(tr.log) if " renew " in t and f'"{rel}"' in t)
    built = next(i for i, (_, t) in enumerate(tr.log) if ".deploytool-src.tar" in t)
    assert noted < built
    assert any(" renew " in t and '"run": "' + ctx.state.token in t for _, t in tr.log)


def test_a_lock_that_cannot_be_released_is_said_with_what_happens_instead(tmp_path, monkeypatch):
    def fails(host, text):
        return (1, "") if "composer install" in text else happy(host, text)

    answer = takeover(fails, {}, release_fails=True)
    code, ctx, tr, rec = session(answer, tmp_path, monkeypatch)
    hint = rec.of(ShipFinished)[-1].hint
    assert "the stage lock could not be released on h1" in hint
    assert "runs out by itself, and the next ship takes it over then" in hint
    assert len(tr.ran(" release ")) == 1  # tried once, not again at the end


def test_a_migration_host_lost_in_migrate_says_the_migration_may_have_partly_run(
    tmp_path, monkeypatch
):
    def lost(host, text):
        if "artisan migrate --force" in text:
            raise UnreachableError(host, "migrate", "connection lost: reset")
        return happy(host, text)

    code, ctx, tr, rec = session(takeover(lost, {}), tmp_path, monkeypatch)
    assert code == ExitCode.UNREACHABLE
    assert "the migration may have partly run on h1" in rec.of(ShipFinished)[-1].hint
    assert tr.ran("mv -T") == []


def split_fleet(currents):
    def answer(host, text):
        if "deploytool-releases" in text:
            rels = "".join(f"R\x1f{r}\x1f{{}}\n" for r in sorted(set(currents.values()) | {OLD}))
            return 0, f"C\x1freleases/{currents[host]}\n" + rels
        if "rev-parse" in text:
            return 0, happy(host, text)[1] + f"current=releases/{currents[host]}\n"
        return happy(host, text)

    return answer


def test_pull_names_a_split_fleet_and_the_ship_switches_every_host(tmp_path, monkeypatch):
    ctx, tr, rec = make(split_fleet({"h1": DEAD, "h2": DEAD, "h3": OLD}))
    run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    said = " | ".join(warnings(rec))
    assert f"the hosts run different releases (h3 -> {OLD}; h1, h2 -> {DEAD})" in said
    assert "this ship switches every host to its new release" in said
    assert sorted(tr.ran("mv -T")) == ["h1", "h2", "h3"]


def test_a_rollback_moves_a_split_fleet_back_to_the_older_release(tmp_path, monkeypatch):
    ctx, tr, rec = make(split_fleet({"h1": DEAD, "h2": DEAD, "h3": OLD}))
    run_steps(ctx, ctx.playbook.rollback, REGISTRY)
    assert ctx.state.release == OLD
    assert any(f"moving h1, h2 back to {OLD}" in w for w in warnings(rec))


def test_a_rollback_refuses_a_fleet_split_three_ways():
    third = "20200103T000000Z-3333333"
    ctx, tr, rec = make(split_fleet({"h1": DEAD, "h2": third, "h3": OLD}))
    with pytest.raises(DeployError, match="the hosts run 3 different releases"):
        run_steps(ctx, ctx.playbook.rollback, REGISTRY)
    assert tr.ran("mv -T") == []


def left_down(fails: str = ""):
    """h1 and h2 in maintenance mode (what the dead run left); `fails`: a command that fails."""

    def answer(host, text):
        if "storage/framework/down" in text:
            return 0, "down\n" if host in ("h1", "h2") else "up\n"
        if fails and fails in text:
            return 1, ""
        return happy(host, text)

    return answer


def down_session(answer, owner, tmp_path, monkeypatch, command="ship"):
    from .test_maintenance import ADD
    from .test_maintenance import make as with_maintenance

    monkeypatch.setenv("DEPLOYTOOL_AUDIT_LOG", str(tmp_path / "audit.log"))
    ctx, tr, rec, registry, _ = with_maintenance(takeover(answer, owner), "auto", ADD)
    specs = ctx.playbook.rollback if command == "rollback" else ctx.playbook.steps
    return run_session(ctx, command, specs, registry, ctx.playbook.on_failure), ctx, tr, rec


DOWN_OWNER = {**DEAD_OWNER, "step": "migrate", "down": ["h1", "h2", "h3"]}


def test_the_maintenance_mode_a_dead_run_left_is_lifted_once_the_next_ship_succeeds(
    tmp_path, monkeypatch
):
    code, ctx, tr, rec = down_session(left_down(), DOWN_OWNER, tmp_path, monkeypatch)
    assert code == ExitCode.OK
    said = next(w for w in warnings(rec) if w.startswith("after the previous deploy"))
    assert "it left the app in maintenance mode on h1, h2: this run keeps it down" in said
    # this ship needed no downtime of its own; it lifts what it adopted, after its drain
    assert sorted(tr.ran("artisan up")) == ["h1", "h2"]
    drained = max(i for i, (_, t) in enumerate(tr.log) if "deploytool-census" in t)
    assert min(i for i, (_, t) in enumerate(tr.log) if "artisan up" in t) > drained


def test_an_adopted_maintenance_mode_is_held_when_the_next_ship_fails(tmp_path, monkeypatch):
    answer = left_down(fails="composer install")
    code, ctx, tr, rec = down_session(answer, DOWN_OWNER, tmp_path, monkeypatch)
    assert code == ExitCode.FAILED
    assert tr.ran("artisan up") == []  # the dead run may have migrated: never lifted blindly
    held = next(e for e in rec.of(Maintenance) if e.state == "held")
    assert held.hosts == ("h1", "h2") and "a dead deploy left it down" in held.reason
    assert "a dead deploy left it down and may have migrated" in rec.of(ShipFinished)[-1].hint


def test_a_rollback_after_a_dead_run_in_maintenance_says_how_to_lift_it(tmp_path, monkeypatch):
    code, ctx, tr, rec = down_session(
        left_down(), DOWN_OWNER, tmp_path, monkeypatch, command="rollback"
    )
    said = next(w for w in warnings(rec) if w.startswith("after the previous deploy"))
    assert "in maintenance mode on h1, h2: lift it when it is safe with: deploytool maint" in said
    assert tr.ran("artisan up") == []


def test_the_hosts_a_run_may_have_put_down_are_in_its_lock_before_the_step_runs(
    tmp_path, monkeypatch
):
    from .test_maintenance import make as with_maintenance

    monkeypatch.setenv("DEPLOYTOOL_AUDIT_LOG", str(tmp_path / "audit.log"))
    ctx, tr, rec, registry, _ = with_maintenance(takeover(happy, {}), "always")
    run_session(ctx, "ship", ctx.playbook.steps, registry, ctx.playbook.on_failure)
    noted = next(i for i, (_, t) in enumerate(tr.log) if " renew " in t and '"down": ["h1"' in t)
    went = next(i for i, (_, t) in enumerate(tr.log) if "already-down" in t)  # DOWN's script
    assert noted < went
    assert any(" renew " in t and '"down": []' in t for _, t in tr.log)  # lifted: said too


def test_the_lock_record_journals_no_secret(tmp_path, monkeypatch):
    """The owner record (on the migration host, read by `lock status` and any successor) holds
    who, where and how far: never a value of the run's secrets."""
    monkeypatch.setenv("DEPLOYTOOL_AUDIT_LOG", str(tmp_path / "audit.log"))
    ctx, tr, rec = make(takeover(happy, {}))
    app = dataclasses.replace(ctx.app, env={**ctx.app.env, "DEPLOY_TOKEN": Secret("lock-s3cr3t")})
    ctx = dataclasses.replace(ctx, inventory=dataclasses.replace(ctx.inventory, application=app))
    assert run_session(ctx, "ship", ctx.playbook.steps, REGISTRY) == ExitCode.OK
    records = [t for _, t in tr.log if "deploytool-lock" in t]
    assert any(f'"release": "{ctx.state.release}"' in t for t in records)
    assert not any("lock-s3cr3t" in t for t in records)
