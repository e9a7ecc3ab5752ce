"""The worker census: which long-running processes run on a host, from which release, in what
state, each tagged with its kind (application.workers: queue workers, schedulers, daemons...).

One probe shared by `drain` and `drain-status`: `census_command()` builds one constant sh script
for every kind's pattern (one round trip per host per poll) and `parse_census()` is a pure parser
tested on captured output. The script reads /proc with shell builtins only (no fork per process
but pgrep), so a poll stays cheap on hosts whose cores are shared with the workers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..shell import Cmd, script

SEP = "\x1f"

# $1: a pgrep ERE that does not match its own text (see worker_regex); $2: the deploy path.
# `cd -P /proc/PID/cwd` + $PWD resolves the physical release without forking readlink.
_SCRIPT = r"""
S=$(printf '\037')
read -r up _ < /proc/uptime
btime=; while read -r k v; do [ "$k" = btime ] && { btime=$v; break; }; done < /proc/stat
printf 'H%s%s%s%s%s%s%s%s\n' "$S" "$up" "$S" "$btime" "$S" "$(readlink "$2/current" 2>/dev/null)" \
  "$S" "$(stat -c %Y "$2/current" 2>/dev/null)"
pgrep -a -f -- "$1" | while read -r p args; do
  [ "$p" = "$$" ] && continue
  read -r stat < "/proc/$p/stat" 2>/dev/null || continue
  sig=; uid=
  while read -r k v rest; do
    case $k in State:|SigPnd:|ShdPnd:|SigIgn:|SigBlk:) sig="$sig$k$v " ;; Uid:) uid=$v ;; esac
  done < "/proc/$p/status"
  if cd -P "/proc/$p/cwd" 2>/dev/null; then cwd=$PWD
  else cwd=$(readlink "/proc/$p/cwd" 2>/dev/null || echo '?'); fi
  printf 'P%s%s%s%s%s%s%s%s%s%s%s%s\n' \
    "$S" "$p" "$S" "$uid" "$S" "$cwd" "$S" "$sig" "$S" "$stat" "$S" "$args"
done
"""


def worker_regex(pattern: str) -> str:
    """An ERE for pgrep -f that matches `pattern` literally but not the probe's own command line
    (which contains this regex as text): the first letter goes in brackets, `[a]rtisan`."""
    out = []
    bracketed = False
    for ch in pattern:
        if not bracketed and ch.isalnum():
            out.append(f"[{ch}]")
            bracketed = True
        elif ch.isalnum() or ch in " _-/:=@,%":
            out.append(ch)
        else:
            out.append("\\" + ch)
    return "".join(out)


def patterns_regex(patterns: str | Sequence[str]) -> str:
    """One ERE for every kind's pattern (`[a]rtisan queue:work|[a]rtisan schedule:work`): one
    pgrep, one round trip per host, whatever the number of kinds."""
    return "|".join(
        worker_regex(p) for p in ([patterns] if isinstance(patterns, str) else patterns)
    )


def census_command(patterns: str | Sequence[str], deploy_path: str) -> Cmd:
    return script(_SCRIPT, patterns_regex(patterns), deploy_path, name="deploytool-census")


STATES = {
    "R": "running",
    "S": "sleeping",
    "D": "disk-wait",
    "T": "stopped",
    "t": "traced",
    "Z": "zombie",
    "X": "dead",
    "I": "idle",
}


@dataclass(frozen=True)
class Worker:
    pid: int
    uid: int
    cwd: str
    release: str  # release id, or "?" when the cwd is not a release directory
    state: str  # running | sleeping | stopped | zombie | ...
    started: float  # Unix time, from the host's boot time + the process start tick
    age: float  # seconds, on the host's clock
    cpu: float  # user + system CPU seconds
    ignores_term: bool
    term_pending: bool
    args: str
    ppid: int = 0
    start_ticks: int = 0  # kernel start time in clock ticks: with the pid, the process's identity
    kind: str = "queue"  # the configured kind (application.workers) whose pattern it matches

    @property
    def process(self) -> str:
        """worker, or one of Horizon's three processes (master, supervisor, worker): read from
        the command line, whatever the kind is called."""
        m = _HORIZON.search(self.args)
        if not m:
            return "worker"
        return {
            "": "horizon-master",
            "supervisor": "horizon-supervisor",
            "work": "horizon-worker",
        }.get(m.group(1) or "", "horizon-master")


@dataclass(frozen=True)
class Census:
    uptime: float
    current: str  # release id `current` points at ("" when missing)
    workers: tuple[Worker, ...]
    switched_at: float = 0.0  # when `current` was last replaced (the symlink's mtime, host clock)


_RELEASE = re.compile(r"/releases/([^/]+)")
_HORIZON = re.compile(r"artisan horizon(?::(supervisor|work))?(?:\s|$)")
TERM_BIT = 1 << (15 - 1)


def release_of(path: str, deploy_path: str) -> str:
    prefix = deploy_path.rstrip("/") + "/releases/"
    if path.startswith(prefix):
        return path[len(prefix) :].split("/", 1)[0].removesuffix(" (deleted)")
    m = _RELEASE.search(path)
    return m.group(1).removesuffix(" (deleted)") if m else "?"


def kind_of(args: str, kinds: Sequence[tuple[str, str]]) -> str | None:
    """The first kind (name, pattern) whose pattern the command line holds, as pgrep matched it:
    the patterns are literal text (worker_regex)."""
    return next((name for name, pattern in kinds if pattern in args), None)


def parse_census(
    text: str,
    deploy_path: str,
    kinds: Sequence[tuple[str, str]] = (("queue", ""),),
    clk_tck: int = 100,
) -> Census:
    """The census in `text`, each process tagged with the first of `kinds` (name, pattern) it
    matches (default: one `queue` kind that takes every process listed)."""
    uptime, btime, current, switched_at = 0.0, 0.0, "", 0.0
    workers = []
    for line in text.splitlines():
        parts = line.split(SEP)
        if parts[0] == "H" and len(parts) >= 4:
            uptime = float(parts[1] or 0)
            btime = float(parts[2] or 0)
            current = release_of(parts[3], deploy_path) if parts[3] else ""
            if current == "?" and parts[3]:
                current = parts[3].rstrip("/").rsplit("/", 1)[-1]
            if len(parts) >= 5 and parts[4].isdigit():
                switched_at = float(parts[4])
        elif parts[0] == "P" and len(parts) >= 7:
            kind = kind_of(parts[6], kinds)
            if kind is not None:
                workers.append(_worker(parts, deploy_path, uptime, btime, clk_tck, kind))
    return Census(uptime, current, tuple(workers), switched_at)


def _worker(
    parts: list[str], deploy_path: str, uptime: float, btime: float, clk_tck: int, kind: str
) -> Worker:
    _, pid, uid, cwd, sig, stat, args = parts[:7]
    fields = dict(f.split(":", 1) for f in sig.split() if ":" in f)
    # /proc/PID/stat: "pid (comm) S ppid ..."; comm may hold spaces, so split after the last ')'.
    rest = stat[stat.rfind(")") + 2 :].split()
    state_letter = rest[0] if rest else "?"
    utime, stime, start_ticks = (
        (int(rest[11]), int(rest[12]), int(rest[19])) if len(rest) > 19 else (0, 0, 0)
    )
    ppid = int(rest[1]) if len(rest) > 1 and rest[1].isdigit() else 0
    ign = int(fields.get("SigIgn", "0"), 16)
    pending = int(fields.get("SigPnd", "0"), 16) | int(fields.get("ShdPnd", "0"), 16)
    started_rel = start_ticks / clk_tck
    return Worker(
        pid=int(pid),
        uid=int(uid or -1),
        cwd=cwd,
        release=release_of(cwd, deploy_path),
        state=STATES.get(state_letter, state_letter),
        started=btime + started_rel,
        age=max(0.0, uptime - started_rel),
        cpu=(utime + stime) / clk_tck,
        ignores_term=bool(ign & TERM_BIT),
        term_pending=bool(pending & TERM_BIT),
        args=args,
        ppid=ppid,
        start_ticks=start_ticks,
        kind=kind,
    )
