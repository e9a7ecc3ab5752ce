"""The per-stage deploy lock: atomic, leased, visible, released on every exit path.

Where: a directory `<deploy_path>/.deploytool/lock` on the stage's migration host. Why there and
not SET NX in Redis: deploytool needs nothing but SSH (the Redis address is the app's business),
the migration host must be reachable for any ship anyway, and mkdir is atomic. Every operation
runs under flock(1) on that host, so check-expiry-then-take-over is one critical section and
two deployers can never both win a takeover.

The holder renews a lease (host clock) while it runs; a holder that was SIGKILLed or lost its
network stops renewing, and the next ship takes the lock over with a warning naming the old
owner. Releasing someone else's live lock needs --force and is audited.

The owner record is also the holder's journal, for whoever finds it dead: its session token (the
marker its remote commands carry), the release it is building (written before the first byte of
it is, `note(sync=True)`) and the step it is in (written by the lease thread at once, without
holding up the step). recover.py reads it after a takeover.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass

from .errors import DeployError, LockHeld
from .shell import script

# $1 action, $2 state dir, $3 token, $4 lease seconds, $5 owner JSON (one line).
LOCK = r"""
set -e
d=$2; L="$d/lock"
mkdir -p "$d"
exec 9>"$d/lock.guard"
flock -w 15 9 || { echo "BUSY"; exit 0; }
now=$(date +%s)
tok=; exp=0
if [ -d "$L" ]; then
  tok=$(cat "$L/token" 2>/dev/null || true)
  exp=$(cat "$L/expires" 2>/dev/null || echo 0)
fi
owner() { cat "$L/owner" 2>/dev/null || echo '{}'; }
take() { rm -rf "$L"; mkdir "$L"; printf '%s\n' "$3" > "$L/token"; printf '%s\n' "$5" > "$L/owner"
         echo $((now + $4)) > "$L/expires"; }
case $1 in
  acquire)
    if [ -d "$L" ] && [ "$tok" != "$3" ]; then
      if [ "$now" -lt "$exp" ]; then echo "HELD $exp $now"; owner; exit 0; fi
      echo "TAKEOVER $exp $now"; owner; take "$@"; exit 0
    fi
    take "$@"; echo "ACQUIRED $((now + $4)) $now" ;;
  renew)
    if [ "$tok" = "$3" ]; then echo $((now + $4)) > "$L/expires"; printf '%s\n' "$5" > "$L/owner"
      echo "RENEWED $((now + $4)) $now"
    else echo "LOST $exp $now"; owner; fi ;;
  release)
    if [ "$tok" = "$3" ]; then rm -rf "$L"; echo "RELEASED 0 $now"
    else echo "NOTMINE $exp $now"; fi ;;
  force)
    if [ -d "$L" ]; then echo "FORCED $exp $now"; owner; rm -rf "$L"; else echo "FREE 0 $now"; fi ;;
  status)
    if [ -d "$L" ]; then echo "HELD $exp $now"; owner; else echo "FREE 0 $now"; fi ;;
esac
"""


@dataclass(frozen=True)
class LockState:
    status: str  # ACQUIRED RENEWED HELD TAKEOVER LOST RELEASED NOTMINE FORCED FREE BUSY
    expires: int
    host_now: int
    owner: dict  # the holder's (or, for TAKEOVER/FORCED, the previous holder's) record

    @property
    def seconds_left(self) -> int:
        return self.expires - self.host_now


def parse(text: str) -> LockState:
    lines = text.strip().splitlines()
    head = (lines[0] if lines else "BUSY").split()
    owner: dict = {}
    if len(lines) > 1:
        try:
            owner = json.loads(lines[1])
        except ValueError:
            owner = {"raw": lines[1][:200]}
    nums = [int(x) for x in head[1:3] if x.lstrip("-").isdigit()] + [0, 0]
    return LockState(head[0], nums[0], nums[1], owner if isinstance(owner, dict) else {})


def describe(owner: dict) -> str:
    parts = [owner.get("owner", "someone")]
    if owner.get("ref"):
        parts.append(f"shipping {owner['ref']}")
    if owner.get("started"):
        parts.append(f"since {owner['started']}")
    if owner.get("pid"):
        parts.append(f"pid {owner['pid']}")
    if owner.get("step"):
        parts.append(f"in {owner['step']}")
    return ", ".join(parts)


class DeployLock:
    """One stage's lock, held through one transport connection to the migration host."""

    def __init__(self, transport, host, state_dir: str, stage: str, lease: float = 60.0):
        self.transport, self.host, self.state_dir, self.stage = transport, host, state_dir, stage
        self.lease = max(3, int(lease))
        self.token = uuid.uuid4().hex
        self.held = False
        self.lost = False
        self.owner: dict = {}
        self.release_error = ""
        self._stop = threading.Event()
        self._wake = threading.Event()  # write the owner record now (note)
        self._renewing = threading.Lock()  # the lease thread and a sync note, one at a time
        self._on_lost = None
        self._thread: threading.Thread | None = None

    def _call(self, action: str, owner: dict | None = None, timeout: float = 30) -> LockState:
        r = self.transport.run(
            self.host,
            script(
                LOCK,
                action,
                self.state_dir,
                self.token,
                self.lease,
                json.dumps(owner or {}, sort_keys=True),
                name="deploytool-lock",
            ),
            timeout=timeout,
            step="lock",
            marked=False,
        )
        if not r.ok:
            raise DeployError(f"{self.host.name}: lock: {r.tail(3) or 'failed'}")
        return parse(r.stdout)

    def acquire(self, owner: dict) -> LockState:
        st = self._call("acquire", owner)
        if st.status == "HELD":
            raise LockHeld(
                f"stage {self.stage} is locked by {describe(st.owner)} "
                f"(lease renewed, {st.seconds_left}s left)",
                "wait for that deploy, pass --wait-lock 5m, or if it is truly dead: "
                f"deploytool lock release {self.stage} --force",
            )
        if st.status == "BUSY":
            raise LockHeld(f"stage {self.stage}: the lock is busy on {self.host.name}", "try again")
        self.held, self.owner = True, dict(owner)
        return st

    def note(self, sync: bool = False, **fields) -> None:
        """Add `fields` to the owner record: now (sync, best effort: a failure is the lease
        thread's to retry), or by the lease thread at once."""
        self.owner.update(fields)
        if not sync:
            self._wake.set()
            return
        try:
            self._renew(timeout=10)
        except DeployError:
            self._wake.set()

    def _renew(self, timeout: float) -> LockState:
        with self._renewing:
            st = self._call("renew", self.owner, timeout=timeout)
            lost = st.status == "LOST" and self.held
            if lost:
                self.lost, self.held = True, False
        if lost and self._on_lost is not None:
            self._on_lost(st)
        return st

    def start_renewing(self, on_lost) -> None:
        self._on_lost = on_lost

        def loop():
            while True:
                self._wake.wait(self.lease / 3)
                self._wake.clear()
                if self._stop.is_set():
                    return
                try:
                    st = self._renew(timeout=self.lease / 3)
                except DeployError:
                    continue  # a transient failure; the lease still has 2/3 of its time
                if st.status == "LOST":
                    return

        self._thread = threading.Thread(target=loop, name="deploytool-lock-lease", daemon=True)
        self._thread.start()

    def release(self, timeout: float = 5) -> bool:
        """One attempt: held or not afterwards, it is not tried again (an unreachable host would
        cost the same wait twice; the lease runs out by itself). `release_error` says why not."""
        self._stop.set()
        self._wake.set()
        if not self.held:
            return False
        self.held = False
        try:
            st = self._call("release", timeout=timeout)
        except DeployError as e:
            self.release_error = e.message
            return False
        return st.status == "RELEASED"

    def status(self) -> LockState:
        return self._call("status")

    def force(self) -> LockState:
        return self._call("force")
