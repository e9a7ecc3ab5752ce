"""A user step: the command a playbook's author wrote (`run:` an argv, `artisan:` php artisan's
arguments; config/user_steps.py reads it), run like a built-in step.

On its hosts at once (its `roles`, or one host with `once`), in the new release (or `current`),
with application.env plus its own `env`, the ship's marker, deadline, events and --verbose
streaming, all through ctx.run; `local: true` runs it once through ctx.local on the machine
running deploytool instead. `when_changed` compares the paths with the previous release on each
host first (files and directories by content hash) and skips the hosts where they are equal.
A failure raises like a built-in step's, so the runner stops and discards the half-built
release; `ignore_failure` makes it a warning.
"""

from __future__ import annotations

from ..config.model import Secret, StepSpec
from ..config.user_step_model import UserStep
from ..config.user_steps import expand
from ..config.user_steps import placeholders as placeholders_in
from ..errors import DeployError, HostError, Interrupted
from ..events import Warning as WarningEvent
from ..redaction import ExportedSecret, redact
from ..shell import Cmd, script
from ..transport.local import HOST as LOCAL_HOST

# $1 new release dir, $2 the previous release dir ("": the one `current` points at), $3 deploy
# path, then the paths to compare. Prints `none` (nothing to compare with), `changed PATH` or
# `same RELEASE`.
COMPARE = r"""
new=$1; old=$2; D=$3; shift 3
[ -n "$old" ] || old=$(readlink -f "$D/current" 2>/dev/null || true)
new=$(readlink -f "$new")
if [ -z "$old" ] || [ ! -d "$old" ] || [ "$old" = "$new" ]; then echo none; exit 0; fi
digest() {
  if [ -d "$1" ]; then
    ( cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum \
      && find . ! -type f | LC_ALL=C sort ) | sha256sum
  elif [ -e "$1" ]; then sha256sum < "$1"
  else echo absent; fi
}
for p in "$@"; do
  p=${p%/}
  if [ "$(digest "$new/$p")" != "$(digest "$old/$p")" ]; then echo "changed $p"; exit 0; fi
done
echo "same ${old##*/}"
"""
SKIPPED = "skipped: "


def run(ctx, spec: StepSpec) -> str:
    name, step = spec.name, spec.user
    if step.local:
        return _outcome(ctx, name, step, LOCAL_HOST, _local(ctx, name, step))
    hosts = step.hosts_of(ctx.live_hosts)
    if not hosts:
        return f"{SKIPPED}no host here has the role {' or '.join(step.roles)}"
    if step.cwd == "release" and not ctx.state.release:
        raise DeployError(
            f"{name}: runs in the new release, which does not exist yet",
            "place the step after `pull`, or give it `cwd: current`",
        )

    def one(h) -> str:
        if step.when_changed:
            same = _unchanged(ctx, h, name, step)
            if same:
                return SKIPPED + same
        return _outcome(ctx, name, step, h, _remote(ctx, h, name, step))

    done = ctx.each(name, one, hosts=hosts, detail=lambda d: d)
    ran = [h for h, d in done.items() if not d.startswith(SKIPPED)]
    skipped = {h: d for h, d in done.items() if d.startswith(SKIPPED)}
    parts = [f"ran on {', '.join(ran)}"] if ran else []
    if skipped:
        why = sorted(set(d[len(SKIPPED) :] for d in skipped.values()))
        parts.append(f"skipped on {', '.join(skipped)} ({'; '.join(why)})")
    return "; ".join(parts)


def placeholders(ctx, name: str, host: str) -> dict[str, str]:
    return {
        "release": ctx.state.release,
        "commit": ctx.state.commit,
        "stage": ctx.stage.name,
        # in an on_failure list: the step that failed; elsewhere the step itself
        "step": ctx.state.failed_step or name,
        "host": host,
    }


def command(ctx, name: str, step: UserStep, host: str, cwd: str | None, base_env) -> Cmd:
    values = placeholders(ctx, name, host)
    texts = (*step.argv, *(v for v in step.env.values() if not isinstance(v, Secret)))
    named = {n for a in texts for n in placeholders_in(a)}
    used = [f"{{{k}}}" for k in ("release", "commit") if not values[k] and k in named]
    if used:
        raise DeployError(
            f"{name}: {', '.join(used)} is not known yet: the step runs before the release "
            "is resolved",
            "place the step after `pull` (or `select-rollback`)",
        )
    return resolved(step, values, ctx.app.php, cwd, base_env)


def resolved(step: UserStep, values: dict[str, str], php: str, cwd: str | None, base_env) -> Cmd:
    """The command a user step runs, its placeholders filled in from `values` (the artifact
    build's `build:` steps come here too, with only {commit} known)."""
    argv = tuple(expand(a, values) for a in step.argv)
    if step.artisan:
        argv = (php, "artisan", *argv)
    env = {**base_env, **{k: _own(v, values, step) for k, v in step.env.items()}}
    return Cmd(argv, cwd=cwd, env=env)


def _own(value: str, values: dict, step: UserStep) -> str:
    """A step's own env value. Its secrets are meant for the step's program, which may be anything
    (sentry-cli, a shell script): exported into that program's environment (envelope.py; still
    never on a command line). An artisan step's reach its PHP like the application's env."""
    if not isinstance(value, Secret):
        return expand(value, values)
    return value if step.artisan else ExportedSecret(value)


def _remote(ctx, h, name: str, step: UserStep):
    cwd = ctx.release_dir if step.cwd == "release" else ctx.path("current")
    return ctx.run(
        h,
        command(ctx, name, step, h.name, cwd, ctx.app.env),
        name,
        timeout=step.timeout,
        check=False,
        marked=not ctx.state.failed_step,  # a failure list runs after the stopper: unmarked
    )


def _local(ctx, name: str, step: UserStep):
    return ctx.run(
        LOCAL_HOST,
        command(ctx, name, step, LOCAL_HOST.name, None, {}),
        name,
        timeout=step.timeout,
        check=False,
        marked=not ctx.state.failed_step,
        via=ctx.local,
    )


def _outcome(ctx, name: str, step: UserStep, host, r) -> str:
    if r.ok:
        return ""
    if ctx.cancel.tripped and not ctx.state.failed_step:
        raise Interrupted(ctx.cancel.signum, name)
    tail = redact(r.tail(), ctx.secrets)
    msg = f"exited with code {r.exit_code}" + (
        ":\n    " + tail.replace("\n", "\n    ") if tail else ""
    )
    if step.ignore_failure:
        ctx.bus.emit(WarningEvent(f"{name}: {msg} (ignore_failure: the ship goes on)", host.name))
        return f"exit {r.exit_code}, ignored"
    raise HostError(host.name, name, msg)


def _unchanged(ctx, h, name: str, step: UserStep) -> str:
    """Why the step may skip host `h` (its paths equal the previous release's), or ""."""
    before = ctx.state.previous.get(h.name, "") if ctx.state.switched else ""
    r = ctx.run(
        h,
        script(
            COMPARE,
            ctx.release_dir,
            ctx.path("releases", before) if before else "",
            ctx.app.deploy_path,
            *step.when_changed,
        ),
        name,
        timeout=min(step.timeout or ctx.app.command_timeout, 300),
        what="comparing " + ", ".join(step.when_changed) + " with the previous release",
    )
    verdict = r.stdout.strip().splitlines()[-1:] or [""]
    if verdict[0].startswith("same "):
        return f"{', '.join(step.when_changed)} unchanged since {verdict[0][5:]}"
    return ""
