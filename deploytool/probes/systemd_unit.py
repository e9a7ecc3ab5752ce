"""systemd units that run the app's long-running artisan commands: found by a constant script,
read by pure parsers.

`units_command()` lists every unit file (and its drop-ins) whose text runs an artisan command
(queue workers, schedulers, daemons: every kind of application.workers), in the unit directories
systemd reads, plus whether systemd is PID 1.
`parse_units()` reads them with systemd's defaults (KillSignal=SIGTERM, TimeoutStopSec=90s,
Restart=no); drop-ins override the unit in name order. When systemd runs, the inspector asks
systemd itself (`systemctl show`, through testinfra's service module) and `from_properties()`
reads that: it is what systemd will really do, defaults and overrides included.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ..shell import Cmd, script
from .supervisor_conf import signal_name

# every unit running artisan: queue workers get the worker rules, every kind the kind rules
WORKER_RE = r"artisan['\"]?[[:space:]]+[a-z]"
UNIT_DIRS = (
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
)
SEP = "\x1e"

# $1: ERE for worker command lines; $2...: unit directories. Prints RS path NL text for each unit
# file and drop-in, then RS SYSTEMD when systemd is PID 1 (the directory systemd creates).
_SCRIPT = r"""
re=$1; shift
for d in "$@"; do
  [ -d "$d" ] || continue
  for f in "$d"/*.service; do
    [ -f "$f" ] || continue
    grep -qE -- "$re" "$f" 2>/dev/null || continue
    printf '\036%s\n' "$f"; cat "$f"
    for o in "$f".d/*.conf; do [ -f "$o" ] && { printf '\036%s\n' "$o"; cat "$o"; }; done
  done
done
[ -d /run/systemd/system ] && printf '\036SYSTEMD\n'
exit 0
"""


def units_command() -> Cmd:
    return script(_SCRIPT, WORKER_RE, *UNIT_DIRS, name="deploytool-units")


@dataclass(frozen=True)
class Unit:
    name: str  # worker.service
    file: str
    exec_start: str
    kill_signal: str  # TERM, KILL, ...
    timeout_stop: float | None  # seconds; None = infinity
    kill_mode: str
    restart: str
    working_directory: str
    explicit: frozenset[str] = frozenset()  # keys set in the files (lower case)
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


_UNITS = {
    "us": 1e-6,
    "usec": 1e-6,
    "ms": 1e-3,
    "msec": 1e-3,
    "s": 1,
    "sec": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}


def timespan(text: str, default_unit: float = 1.0) -> float | None:
    """systemd time span: '90', '90s', '5min 20s', '1h', 'infinity' (None)."""
    t = text.strip().lower()
    if t in ("infinity", ""):
        return None
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return float(t) * default_unit
    total = 0.0
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", t):
        total += float(num) * _UNITS.get(unit, 1)
    return total


def _entries(text: str) -> list[tuple[str, str, str, int]]:
    """(section, key, value, line) for every assignment; backslash continues a line."""
    out, section, buf, start = [], "", "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not buf and (not line or line[0] in "#;"):
            continue
        if line.endswith("\\"):
            buf, start = buf + line[:-1] + " ", start or n
            continue
        line, buf, first = buf + line, "", start or n
        start = 0
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif "=" in line:
            k, v = line.split("=", 1)
            out.append((section, k.strip(), v.strip(), first))
    return out


def parse_units(text: str) -> tuple[list[Unit], bool]:
    """Units from units_command() output (drop-ins applied), and whether systemd is PID 1."""
    files: list[tuple[str, str]] = []
    systemd = False
    for chunk in text.split(SEP)[1:]:
        path, _, body = chunk.partition("\n")
        if path == "SYSTEMD":
            systemd = True
        else:
            files.append((path, body))
    units: dict[str, dict] = {}
    for path, body in files:
        is_dropin = posixpath.basename(posixpath.dirname(path)).endswith(".service.d")
        name = (
            posixpath.basename(posixpath.dirname(path))[:-2]
            if is_dropin
            else posixpath.basename(path)
        )
        u = units.setdefault(name, {"file": path, "values": {}, "line": 0})
        for section, key, value, line in _entries(body):
            if section != "Service":
                continue
            k = key.lower()
            if k == "execstart" and not value:  # an empty ExecStart= resets the list
                u["values"].pop(k, None)
                continue
            u["values"][k] = value
            if k == "execstart" and not is_dropin:
                u["line"] = line
    return [_unit(name, u["file"], u["values"], u["line"]) for name, u in units.items()], systemd


def _unit(name: str, file: str, v: dict, line: int) -> Unit:
    timeout = v.get("timeoutstopsec", v.get("timeoutsec"))
    return Unit(
        name,
        file,
        v.get("execstart", "").lstrip("-@+!:"),
        signal_name(v.get("killsignal", "SIGTERM")),
        timespan(timeout) if timeout is not None else 90.0,
        v.get("killmode", "control-group"),
        v.get("restart", "no"),
        v.get("workingdirectory", ""),
        frozenset(v),
        line,
    )


def from_properties(name: str, props: dict[str, str], fallback: Unit | None = None) -> Unit:
    """A Unit from `systemctl show` (what systemd will really do)."""
    exec_start = props.get("ExecStart", "")
    m = re.search(r"argv\[\]=([^;]*)", exec_start)
    timeout = props.get("TimeoutStopUSec", "")
    return Unit(
        name,
        props.get("FragmentPath") or (fallback.file if fallback else ""),
        m.group(1).strip() if m else (fallback.exec_start if fallback else exec_start),
        signal_name(props.get("KillSignal", "15")),
        timespan(timeout) if timeout else (fallback.timeout_stop if fallback else 90.0),
        props.get("KillMode", "control-group"),
        props.get("Restart", "no"),
        props.get("WorkingDirectory", ""),
        fallback.explicit if fallback else frozenset(),
        fallback.line if fallback else 0,
    )
