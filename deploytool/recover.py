"""What a dead session left behind, put right by the one that takes its lock over.

A deploytool killed by SIGKILL (or whose machine or network died) runs no handler: its remote
commands may still run (composer, a migration), its half-built release sits on every host, and if
it died in the switch some hosts point at its release and some do not. The lock's owner record is
its journal (lock.py): its session token, the release it was building, the step it was in. After
a takeover, before any step: stop every remote command carrying that token (the stopper's script,
the one a cancel uses), remove that release from every host unless a host runs it (it died during
or after the switch: the release is then the fleet's, and pull or select-rollback deal with a
split fleet, split.py), and say what was done and what may be left half done. An expired lock
released by hand (`deploytool lock release`) gets the same treatment.

A run that died with the app in maintenance mode (its record's `down`: steps/maintenance.py puts
it there) left it down, and the next run must not leave it so for ever: this run adopts it (its
state's `down`), so its own maintenance-up lifts it once it has succeeded, and a failure holds it
(the dead run may have migrated: nothing says the old code survives the schema). A run without
that step (rollback) says how to lift it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import DeployError
from .events import Warning as WarningEvent
from .release_id import parse_release_id
from .shell import cmd, script
from .stopper import stop_command

# What a step left half done when its run died there, for the user to check.
HALF_DONE = {
    "migrate": "the migration may have partly run (check `php artisan migrate:status` on the "
    "migration host; this ship migrates again)",
    "switch": "it died in its switch: hosts may point at different releases",
    "cleanup": "some old releases may be half removed (cleanup removes them again)",
}


@dataclass
class Recovery:
    stopped: dict[str, int] = field(default_factory=dict)  # host -> processes signalled
    removed: str = ""  # the half-built release removed from every host
    kept: str = ""  # its release, kept: a host runs it
    running: tuple[str, ...] = ()  # hosts whose `current` is that release
    unreachable: tuple[str, ...] = ()
    down: str = ""  # what becomes of the maintenance mode it left

    def sentence(self, previous: dict) -> str:
        parts = []
        if self.stopped:
            hosts = ", ".join(f"{h} ({n})" for h, n in sorted(self.stopped.items()))
            parts.append(f"stopped the processes it left running on {hosts}")
        else:
            parts.append("it left no process running")
        if self.removed:
            parts.append(f"removed its half-built release {self.removed} from every host")
        elif self.kept:
            parts.append(f"kept its release {self.kept}: {', '.join(self.running)} run it")
        if previous.get("step") in HALF_DONE:
            parts.append(HALF_DONE[previous["step"]])
        if self.down:
            parts.append(self.down)
        if self.unreachable:
            parts.append(f"could not reach {', '.join(self.unreachable)}")
        return "; ".join(parts)


def adopt_down(ctx, previous: dict, lifts: bool, step: str = "recover") -> str:
    """The maintenance mode the dead run left (its record names the hosts it may have put down;
    each is asked), made this run's; "" if it left none."""
    from .steps.maintenance import STATE, lift_command

    maybe = set(previous.get("down") or ())
    hosts = [h for h in ctx.live_hosts if h.name in maybe]

    def state(h) -> str:
        r = ctx.run(h, script(STATE, ctx.path("current")), step, check=False, marked=False)
        return r.stdout.strip()

    answers = ctx.fanout.map(lambda h: _or_none(state, h), hosts) if hosts else []
    left = tuple(sorted(h.name for h, s in zip(hosts, answers) if s == "down"))
    if not left:
        return ""
    where = ", ".join(left)
    if lifts:
        ctx.state.down, ctx.state.down_inherited = left, True
        return (
            f"it left the app in maintenance mode on {where}: this run keeps it down and lifts "
            "it once it has succeeded"
        )
    return (
        f"it left the app in maintenance mode on {where}: lift it when it is safe with: "
        f"{lift_command(ctx)}"
    )


def _or_none(fn, h):
    try:
        return fn(h)
    except DeployError:
        return None


def recover(ctx, previous: dict, step: str = "recover", lifts: bool = False) -> Recovery:
    """Stop what the session recorded in `previous` (a lock owner record) left running, remove
    its half-built release, adopt the maintenance mode it left (`lifts`: this run has a
    maintenance-up step). Best effort, per host; emits one warning saying what it did."""
    rec = Recovery()
    token = str(previous.get("run") or "")
    release = str(previous.get("release") or "")
    if not parse_release_id(release):  # a record from elsewhere, or none: touch no directory
        release = ""
    hosts = ctx.live_hosts
    unreachable: set[str] = set()

    def stop(h) -> int:
        r = ctx.transport.run(
            h, stop_command(token, runners=True), timeout=15, step=step, marked=False
        )
        return len([p for p in r.stdout.split() if p.isdigit()])

    def current(h) -> str:
        r = ctx.run(h, cmd("readlink", ctx.path("current")), step, check=False, marked=False)
        return r.stdout.strip().rstrip("/").rsplit("/", 1)[-1]

    def each(fn) -> dict:
        def one(h):
            try:
                return fn(h)
            except DeployError:
                unreachable.add(h.name)
                return None

        return dict(zip((h.name for h in hosts), ctx.fanout.map(one, hosts)))

    if token:
        rec.stopped = {h: n for h, n in each(stop).items() if n}
    if release:
        running = tuple(h for h, c in each(current).items() if c == release)
        if running:
            rec.kept, rec.running = release, running
        else:
            path = ctx.path("releases", release)
            each(lambda h: ctx.run(h, cmd("rm", "-rf", "--", path), step, marked=False))
            rec.removed = release
    rec.unreachable = tuple(sorted(unreachable))
    rec.down = adopt_down(ctx, previous, lifts)
    ctx.bus.emit(WarningEvent("after the previous deploy: " + rec.sentence(previous)))
    return rec
