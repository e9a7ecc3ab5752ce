"""Supervisor's configuration as supervisord reads it, and `supervisorctl status`.

Pure parsers: doctor's inspector reads the files (the main config named by supervisord's `-c`,
then its [include] globs) and hands the texts here. Values follow supervisord's own rules:
`;` starts an inline comment only after whitespace, booleans are true/false/yes/no/on/off/1/0,
a stop signal may be written TERM, SIGTERM or 15, and %(here)s / %(program_name)s /
%(process_num)d expand. The defaults below are supervisord's, and they are what bites people:
stopwaitsecs=10 and autorestart=unexpected (a worker leaving after `queue:restart` exits 0,
an "expected" code, so supervisord would not start it again).
"""

from __future__ import annotations

import configparser
import fnmatch
import posixpath
import re
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# The order supervisord searches when it is started without -c.
SEARCH_PATHS = (
    "/etc/supervisord.conf",
    "/etc/supervisor/supervisord.conf",
    "/usr/local/etc/supervisord.conf",
)

DEFAULTS = {
    "stopsignal": "TERM",
    "stopwaitsecs": "10",
    "stopasgroup": "false",
    "autorestart": "unexpected",
    "numprocs": "1",
    "numprocs_start": "0",
    "process_name": "%(program_name)s",
    "autostart": "true",
}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def boolean(value: str | None) -> bool | None:
    v = (value or "").strip().lower()
    return True if v in _TRUE else False if v in _FALSE else None


def signal_name(value: str | None) -> str:
    """TERM for 'TERM', 'SIGTERM', 'sigterm' or '15'; the text itself when unknown."""
    v = (value or "").strip().upper()
    if v.isdigit():
        try:
            return signal.Signals(int(v)).name.removeprefix("SIG")
        except ValueError:
            return v
    return v.removeprefix("SIG")


@dataclass(frozen=True)
class Program:
    name: str
    file: str
    line: int
    settings: Mapping[str, str]  # as written (after %(here)s), without supervisord's defaults
    key_lines: Mapping[str, int] = field(default_factory=dict)

    def at(self, key: str) -> str:
        """file:line of `key` when written, else of the section header (where to add it)."""
        return f"{self.file}:{self.key_lines.get(key, self.line)}"

    def get(self, key: str) -> str:
        return self.settings.get(key, DEFAULTS.get(key, ""))

    def explicit(self, key: str) -> bool:
        return key in self.settings

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def command(self) -> str:
        return self.expand(self.get("command"))

    @property
    def directory(self) -> str:
        return self.expand(self.get("directory"))

    @property
    def stopsignal(self) -> str:
        return signal_name(self.get("stopsignal"))

    @property
    def stopwaitsecs(self) -> int | None:
        v = self.get("stopwaitsecs").strip()
        return int(v) if v.isdigit() else None

    @property
    def stopasgroup(self) -> bool:
        return bool(boolean(self.get("stopasgroup")))

    @property
    def killasgroup(self) -> bool:
        # supervisord: killasgroup defaults to the value of stopasgroup
        return bool(boolean(self.settings.get("killasgroup", self.get("stopasgroup"))))

    @property
    def autorestart(self) -> str:
        v = self.get("autorestart").strip().lower()
        return (
            "unexpected" if v == "unexpected" else {True: "true", False: "false"}.get(boolean(v), v)
        )

    @property
    def numprocs(self) -> int:
        v = self.get("numprocs").strip()
        return int(v) if v.isdigit() else 1

    def expand(self, text: str, process_num: int = 0) -> str:
        values = {
            "program_name": self.name,
            "group_name": self.name,
            "process_num": process_num,
            "host_node_name": "",
            "here": posixpath.dirname(self.file),
        }

        def one(m: re.Match) -> str:
            key, conv = m.group(1), m.group(2)
            if key not in values:
                return m.group(0)  # %(ENV_X)s and friends stay as written
            try:
                return ("%" + conv) % values[key]
            except (TypeError, ValueError):
                return str(values[key])

        return re.sub(r"%\(([a-zA-Z_]+)\)([-#0 +]*\d*[sd])", one, text)

    def process_names(self, group: str | None = None) -> tuple[str, ...]:
        """The names `supervisorctl status` shows for this program's processes."""
        group = group or self.name
        start = int(self.get("numprocs_start") or 0) if self.get("numprocs_start").isdigit() else 0
        names = []
        for num in range(start, start + self.numprocs):
            pname = self.expand(self.get("process_name"), num)
            names.append(pname if pname == group else f"{group}:{pname}")
        return tuple(names)


@dataclass(frozen=True)
class SupervisorConfig:
    main: str  # the file supervisord was started with ("" if none found)
    files: tuple[str, ...]  # every file read, main first
    programs: tuple[Program, ...]
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # [group:x] programs=
    problems: tuple[str, ...] = ()  # files that could not be parsed

    def group_of(self, program: str) -> str:
        return next((g for g, members in self.groups.items() if program in members), program)


def config_path_from_args(args: str) -> str:
    """The -c/--configuration value of a running supervisord's command line, or ""."""
    words = args.split()
    for i, w in enumerate(words):
        if w in ("-c", "--configuration") and i + 1 < len(words):
            return words[i + 1]
        if w.startswith("--configuration="):
            return w.split("=", 1)[1]
        if w.startswith("-c") and len(w) > 2:
            return w[2:]
    return ""


def _parser() -> configparser.RawConfigParser:
    p = configparser.RawConfigParser(
        inline_comment_prefixes=(";",),
        comment_prefixes=(";", "#"),
        strict=False,
        interpolation=None,
        delimiters=("=", ":"),
    )
    p.optionxform = str.lower  # type: ignore[assignment]
    return p


def include_patterns(text: str, path: str) -> list[str]:
    """The absolute glob patterns of a file's [include] files= (relative to the including file)."""
    p = _parser()
    try:
        p.read_string(text, source=path)
    except configparser.Error:
        return []
    if not p.has_section("include"):
        return []
    here = posixpath.dirname(path)
    out = []
    for pattern in p.get("include", "files", fallback="").split():
        pattern = pattern.replace("%(here)s", here)
        out.append(
            pattern
            if pattern.startswith("/")
            else posixpath.normpath(posixpath.join(here, pattern))
        )
    return out


def matching(pattern: str, listing: Sequence[str]) -> list[str]:
    """Files of a directory listing (names) that an include pattern selects, sorted like glob()."""
    directory, name = posixpath.split(pattern)
    return sorted(posixpath.join(directory, n) for n in listing if fnmatch.fnmatch(n, name))


def _lines(text: str) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Line of each section header, and of each key within its section."""
    sections: dict[str, int] = {}
    keys: dict[str, dict[str, int]] = {}
    current = ""
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*\[([^\]]+)\]", line)
        if m:
            current = m.group(1).strip()
            sections.setdefault(current, n)
            continue
        k = re.match(r"([A-Za-z_]+)\s*[=:]", line)
        if k and current:
            keys.setdefault(current, {})[k.group(1).lower()] = n
    return sections, keys


def parse_supervisor(files: Mapping[str, str], main: str) -> SupervisorConfig:
    """Programs and groups from every file (main first, then includes in the order given)."""
    programs: dict[str, Program] = {}
    groups: dict[str, tuple[str, ...]] = {}
    problems = []
    for path, text in files.items():
        p = _parser()
        try:
            p.read_string(text, source=path)
        except configparser.Error as e:
            problems.append(f"{path}: cannot parse: {str(e).splitlines()[0]}")
            continue
        lines, key_lines = _lines(text)
        here = posixpath.dirname(path)
        for section in p.sections():
            kind, _, name = section.partition(":")
            if kind == "group" and name:
                groups[name] = tuple(
                    x.strip()
                    for x in p.get(section, "programs", fallback="").split(",")
                    if x.strip()
                )
            if kind not in ("program", "fcgi-program") or not name:
                continue
            settings = {
                k: " ".join(v.replace("%(here)s", here).split())
                if k != "command"
                else v.replace("%(here)s", here).strip()
                for k, v in p.items(section)
            }
            programs[name] = Program(
                name, path, lines.get(section, 0), settings, key_lines.get(section, {})
            )
    read = (main, *sorted(f for f in files if f != main)) if main in files else tuple(sorted(files))
    return SupervisorConfig(main, read, tuple(programs.values()), groups, tuple(problems))


# -- supervisorctl status -------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcessStatus:
    name: str  # group:process, or process
    state: str  # RUNNING, STOPPED, FATAL, BACKOFF, ...
    pid: int | None


def parse_status(text: str) -> dict[str, ProcessStatus]:
    """`supervisorctl status` lines. (testinfra's supervisor module needs exit 0, but supervisorctl
    4 exits 3 as soon as one program is stopped, so the status is read here.)"""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[1].isupper():
            continue
        pid = (
            int(parts[3].rstrip(","))
            if len(parts) > 3 and parts[2] == "pid" and parts[3].rstrip(",").isdigit()
            else None
        )
        out[parts[0]] = ProcessStatus(parts[0], parts[1], pid)
    return out
