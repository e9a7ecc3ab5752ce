"""A session with --limit on a recording transport: only the selected hosts get commands, the lock
is still taken on the migration host (with a warning saying so), migrate refuses politely unless
--no-migrate, and the restart goes by signal so no queue:restart key reaches past the limit.
The same on real hosts: tests/e2e/test_limit.py."""

from __future__ import annotations

import dataclasses

import pytest

from deploytool import hostlimit
from deploytool.errors import ExitCode, UsageError
from deploytool.events import ShipStarted
from deploytool.events import Warning as WarningEvent
from deploytool.session import run_session
from deploytool.steps import REGISTRY, migrate

from .test_runner import happy, make
from .test_session import locking


def limited(tmp_path, monkeypatch, text, **ctx_kw):
    monkeypatch.setenv("DEPLOYTOOL_AUDIT_LOG", str(tmp_path / "audit.log"))
    ctx, tr, rec = make(locking(happy))
    stage = hostlimit.limit(ctx.inventory, ctx.stage, text, ctx.playbook.restart_scope)
    object.__setattr__(ctx, "stage", stage)
    for k, v in ctx_kw.items():
        object.__setattr__(ctx, k, v)
    return ctx, tr, rec


def test_only_the_selected_hosts_are_touched_and_the_lock_stays_on_the_migration_host(
    tmp_path, monkeypatch
):
    ctx, tr, rec = limited(tmp_path, monkeypatch, "h2,h3", no_migrate=True)
    code = run_session(ctx, "ship", ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert code == ExitCode.OK
    assert rec.of(ShipStarted)[0].hosts == ("h2", "h3")
    on_h1 = [t for h, t in tr.log if h == "h1"]
    assert on_h1 and all("deploytool-lock" in t for t in on_h1), on_h1  # the lock, nothing else
    assert sorted(tr.ran("mv -T")) == ["h2", "h3"]
    assert tr.ran("queue:restart") == [] and tr.ran("migrate --force") == []
    warned = [w for w in rec.of(WarningEvent) if w.host == "h1"]
    assert "connects to it for the lock only" in warned[0].message


def test_migrate_refuses_when_the_limit_leaves_out_the_migration_host(tmp_path, monkeypatch):
    ctx, tr, rec = limited(tmp_path, monkeypatch, "role:web")  # every host: web, worker
    migrate.refuse_outside_limit(ctx)  # h1 is selected: fine
    ctx, tr, rec = limited(tmp_path, monkeypatch, "h3")
    with pytest.raises(UsageError) as e:
        migrate.refuse_outside_limit(ctx)
    assert e.value.exit_code == ExitCode.USAGE
    assert "leaves out h1, the migration host" in e.value.message
    assert "--no-migrate" in e.value.hint
    object.__setattr__(ctx, "no_migrate", True)
    migrate.refuse_outside_limit(ctx)


def test_the_step_itself_refuses_too(tmp_path, monkeypatch):
    ctx, tr, rec = limited(tmp_path, monkeypatch, "h3")
    code = run_session(ctx, "ship", ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert code == ExitCode.USAGE
    assert tr.ran("mv -T") == [] and tr.ran("artisan migrate") == []
    assert sorted(tr.ran("rm -rf -- /app/releases/")) == ["h3"]  # only where it was built


def test_a_limit_covering_every_host_is_no_limit(tmp_path, monkeypatch):
    ctx, tr, rec = limited(tmp_path, monkeypatch, "h1,h2,h3")
    assert ctx.stage.outside == () and dataclasses.asdict(ctx.stage)["hosts"]
