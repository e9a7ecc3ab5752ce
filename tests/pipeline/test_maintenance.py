"""Maintenance mode on a recording transport: down only when the gate's verdict needs it, up after
the drain, held (with the command to lift it) after a failed migrate, lifted again after a failure
before anything was migrated; the bypass secret reaches the host only through the secrets
envelope and is shown once: by the views, never in the JSON stream, an event's data, a command or
the audit line."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from deploytool.config.strategy import for_application
from deploytool.envelope import wire
from deploytool.errors import HostError
from deploytool.events import CommandRan, Maintenance, StepStarted
from deploytool.events import Warning as WarningEvent
from deploytool.migrations.check import check
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration
from deploytool.pipeline import run_steps
from deploytool.redaction import redact
from deploytool.steps import REGISTRY
from deploytool.ui.jsonl import JsonLines
from deploytool.ui.plain import Plain

from .test_runner import happy
from .test_runner import make as runner_make

DROP = "alter table `ledger` drop `version`"
ADD = "alter table `ledger` add `note` varchar(20) null"


def make(answer, mode, statement=DROP):
    ctx, tr, rec = runner_make(answer)
    app = dataclasses.replace(ctx.app, maintenance=mode)
    ctx = dataclasses.replace(
        ctx,
        inventory=dataclasses.replace(ctx.inventory, application=app),
        playbook=for_application(ctx.playbook, app),
    )
    report = check(
        [PendingMigration("2030_01_01_000000_change", None, (statement,))],
        "mysql",
        MigrationPolicy("warn"),
    )

    def gate(ctx, options):  # the gate's verdict, as check-migrations leaves it
        ctx.state.gate = report
        return "judged"

    registry = {**REGISTRY, "check-migrations": gate}
    commands = []
    real_run = tr.run

    def run(host, command, **kw):
        commands.append(command)
        return real_run(host, command, **kw)

    tr.run = run
    return ctx, tr, rec, registry, commands


def ship(ctx, registry):
    run_steps(ctx, ctx.playbook.steps, registry, ctx.playbook.on_failure)


def started(rec):
    return [e.step for e in rec.of(StepStarted)]


def test_auto_goes_down_for_a_breaking_change_and_up_after_the_drain():
    ctx, tr, rec, registry, commands = make(happy, "auto")
    ship(ctx, registry)
    steps = started(rec)
    assert steps.index("maintenance-down") == steps.index("migrate") - 1
    assert steps.index("maintenance-up") == steps.index("drain") + 1
    downs = [i for i, (_, t) in enumerate(tr.log) if "php -r" in t and "'down'" in t]
    migrate = next(i for i, (_, t) in enumerate(tr.log) if "migrate --force" in t)
    assert len(downs) == 3 and max(downs) < migrate  # every host down before the migrate
    assert sorted(tr.ran("artisan up")) == ["h1", "h2", "h3"]
    states = [(e.state, e.hosts) for e in rec.of(Maintenance)]
    assert states == [("down", ("h1", "h2", "h3")), ("up", ("h1", "h2", "h3"))]
    assert "drop-column" in rec.of(Maintenance)[0].reason


def test_auto_stays_up_for_a_compatible_change_and_always_goes_down_anyway():
    ctx, tr, rec, registry, _ = make(happy, "auto", ADD)
    ship(ctx, registry)
    assert rec.of(Maintenance) == [] and not tr.ran("'down'") and not tr.ran("artisan up")
    ctx, tr, rec, registry, _ = make(happy, "always", ADD)
    ship(ctx, registry)
    assert [e.state for e in rec.of(Maintenance)] == ["down", "up"]


def test_the_bypass_secret_is_shown_once_and_redacted_everywhere_else():
    ctx, tr, rec, registry, commands = make(happy, "auto")
    plain, stream, notes = io.StringIO(), io.StringIO(), io.StringIO()
    ctx.bus.subscribe(Plain(plain))
    ctx.bus.subscribe(JsonLines(stream, notes))
    ship(ctx, registry)
    secret = rec.of(Maintenance)[0].bypass
    assert len(secret) >= 20 and ctx.secrets[-1] == secret
    assert plain.getvalue().count(secret) == 1  # the one place
    assert secret not in stream.getvalue() and '"bypass": "***"' in stream.getvalue()
    assert notes.getvalue().count(secret) == 1  # --json: once, on stderr
    for e in rec.events:
        shown = json.dumps(e.to_dict(), default=str)
        assert secret not in shown, e
    assert all(secret not in e.command for e in rec.of(CommandRan))
    down = next(c for c in commands if "call('down'" in " ".join(getattr(c, "argv", ())))
    sent = wire(down, "token")
    assert secret not in sent.text and secret not in " ".join(down.argv)  # not in argv...
    assert sent.stdin  # ...but on the command's stdin
    assert redact(f'{{"message": "x {secret}"}}', ctx.secrets) == '{"message": "x ***"}'


def test_a_failed_migrate_leaves_the_app_down_and_says_how_to_lift_it():
    def answer(host, text):
        return (1, "") if "migrate --force" in text else happy(host, text)

    ctx, tr, rec, registry, _ = make(answer, "auto")
    with pytest.raises(HostError):
        ship(ctx, registry)
    assert tr.ran("artisan up") == []
    held = rec.of(Maintenance)[-1]
    assert held.state == "held" and held.hosts == ("h1", "h2", "h3")
    assert held.lift.startswith("deploytool maintenance up prod -i ")
    warning = rec.of(WarningEvent)[-1].message
    assert "stays in maintenance mode on h1, h2, h3" in warning and held.lift in warning
    assert ctx.state.down == ("h1", "h2", "h3")  # what the session's hint reads


def test_a_failure_before_anything_was_migrated_lifts_what_went_down():
    def answer(host, text):
        return (1, "") if host == "h2" and "'down'" in text else happy(host, text)

    ctx, tr, rec, registry, _ = make(answer, "always")
    with pytest.raises(HostError) as e:
        ship(ctx, registry)
    assert (e.value.host, e.value.step) == ("h2", "maintenance-down")
    assert sorted(tr.ran("artisan up")) == ["h1", "h3"] and not tr.ran("migrate --force")
    assert rec.of(Maintenance)[-1].state == "up" and ctx.state.down == ()
