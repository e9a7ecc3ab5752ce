"""Signalling old workers, guarded on the host: the only code that touches a worker process.

The census saw a pid a poll ago; by now that worker may have exited and its pid been reused by
the new worker supervisord started. So the script re-checks every target on the host just before
acting, in the same round trip: same pid AND same kernel start time (the process's identity), the
app user's uid, and a cwd that is not the current release. Anything else is skipped and said so.
One command per host per action:
`sh -c SCRIPT deploytool-signal ACTION DEPLOY_PATH UID [PID TICKS RELEASE]...`.

ACTION is a signal name: TERM, KILL, CONT or the one a kind is restarted with (sent with kill(1);
if the kernel refuses because the worker runs as another user, `supervisorctl signal` is tried
for a supervisord process), or `restart`:
`supervisorctl restart NAME` for the supervisord process owning the pid, all targets in parallel.
supervisord's stop sends the program's stopsignal, waits up to its stopwaitsecs and then SIGKILLs:
so `restart` may end in a SIGKILL (docs/drain.md, "supervisor-restart").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..shell import Cmd, script
from .decide import OldWorker

SEP = "\x1f"

_SCRIPT = r"""
S=$(printf '\037')
act=$1 base=$2 want=$3; shift 3
cur=$(cd -P "$base/current" 2>/dev/null && pwd)
start_of() { set -f; set -- $1; set +f; echo "${20}"; }
name_of() {
  supervisorctl status 2>/dev/null | awk -v p="$1" '$3 == "pid" && $4 == p"," {print $1; exit}'
}
say() { echo "R$S$1$S$2$S$3"; }
while [ $# -ge 3 ]; do
  pid=$1 ticks=$2 rel=$3; shift 3
  st=; read -r st < "/proc/$pid/stat" 2>/dev/null
  if [ -z "$st" ]; then say "$pid" gone "exited before the action"; continue; fi
  if [ "$(start_of "${st##*) }")" != "$ticks" ]; then
    say "$pid" gone "exited; the pid now belongs to another process"; continue
  fi
  uid=; while read -r k v rest; do [ "$k" = Uid: ] && { uid=$v; break; }; done < "/proc/$pid/status"
  if [ -n "$want" ] && [ "$uid" != "$want" ]; then
    say "$pid" refused "owned by uid $uid, not the app user ($want)"; continue
  fi
  if cd -P "/proc/$pid/cwd" 2>/dev/null; then
    cwd=$PWD; cd /
    if [ -n "$cur" ] && [ "$cwd" = "$cur" ]; then
      say "$pid" refused "runs the current release"; continue
    fi
    case $rel in '?') ;; *) case $cwd in */releases/"$rel"|*/releases/"$rel"/*) ;; *)
      say "$pid" refused "runs from $cwd, not release $rel"; continue ;; esac ;; esac
  fi
  if [ "$act" = restart ]; then
    name=$(name_of "$pid")
    if [ -z "$name" ]; then say "$pid" failed "not a supervisord process"; continue; fi
    ( if out=$(supervisorctl restart "$name" 2>&1); then
        say "$pid" ok "supervisorctl restart $name: $(echo $out)"
      else say "$pid" failed "supervisorctl restart $name: $(echo $out)"; fi ) &
    continue
  fi
  if err=$(kill -s "$act" "$pid" 2>&1); then say "$pid" ok "SIG$act sent"; continue; fi
  name=$(name_of "$pid")
  if [ -n "$name" ] && out=$(supervisorctl signal "$act" "$name" 2>&1); then
    say "$pid" ok "SIG$act sent with supervisorctl signal $act $name (kill: $(echo $err))"
  else
    say "$pid" failed "$(echo $err)"
  fi
done
wait
"""

ACTIONS = {
    "term": "TERM",
    "kill": "KILL",
    "cont": "CONT",
    "signal": "TERM",
    "supervisor-restart": "restart",
}


@dataclass(frozen=True)
class Outcome:
    pid: int
    status: str  # ok | gone | refused | failed
    detail: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def signal_command(
    action: str,
    deploy_path: str,
    uid: int | None,
    targets: Sequence[OldWorker],
    sig: str | None = None,
) -> Cmd:
    """`sig` (a RESTART_SIGNALS name) replaces the action's signal: a kind's `restart: QUIT`."""
    args: list[object] = [sig or ACTIONS[action], deploy_path, "" if uid is None else uid]
    for o in targets:
        args += [o.worker.pid, o.worker.start_ticks, o.worker.release]
    return script(_SCRIPT, *args, name="deploytool-signal")


def parse_outcomes(text: str) -> dict[int, Outcome]:
    out: dict[int, Outcome] = {}
    for line in text.splitlines():
        parts = line.split(SEP)
        if len(parts) == 4 and parts[0] == "R" and parts[1].isdigit():
            out[int(parts[1])] = Outcome(int(parts[1]), parts[2], parts[3])
    return out
