"""Dockerfile rules: who is PID 1 (and does SIGTERM reach PHP), STOPSIGNAL, pcntl in the image.

A shell-form CMD runs as `/bin/sh -c "..."`: sh is PID 1, does not forward SIGTERM, and `docker
stop` SIGKILLs the job after its grace period. Exec form (a JSON array), an init (tini,
dumb-init, `docker run --init`), or an entrypoint script that ends in `exec "$@"` fix it. Only the
last stage of a multi-stage build is the image that runs.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...probes.supervisor_conf import signal_name
from ...probes.worker_command import SHELLS, parse_worker_command, split
from ..report import Finding, failed, passed, warned
from ..worker import GRACEFUL, worker_rules

INITS = ("tini", "dumb-init", "catatonit", "s6-svscan", "init", "supervisord", "runsvdir")


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    value: str
    line: int


@dataclass(frozen=True)
class Form:
    exec_form: bool
    argv: tuple[str, ...]  # exec form: the array; shell form: ("/bin/sh", "-c", text)
    line: int


@dataclass
class Image:
    base: str = ""
    base_line: int = 0
    cmd: Form | None = None
    entrypoint: Form | None = None
    stopsignal: tuple[str, int] | None = None
    copies: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # (sources, dest)
    runs: list[str] = field(default_factory=list)


def instructions(text: str) -> list[Instruction]:
    out, buf, start = [], "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # comment lines inside a continuation are dropped
        if line.endswith("\\"):
            buf, start = buf + line[:-1] + " ", start or n
            continue
        whole, buf, first = (buf + line).strip(), "", start or n
        start = 0
        keyword, _, value = whole.partition(" ")
        out.append(Instruction(keyword.upper(), value.strip(), first))
    return out


def form(value: str, line: int) -> Form:
    if value.startswith("["):
        try:
            argv = json.loads(value)
            if isinstance(argv, list):
                return Form(True, tuple(str(a) for a in argv), line)
        except ValueError:
            pass  # Docker treats a broken JSON array as shell form
    return Form(False, ("/bin/sh", "-c", value), line)


def parse_dockerfile(text: str) -> Image:
    image = Image()
    for ins in instructions(text):
        if ins.keyword == "FROM":
            image = Image(
                ins.value.split()[0] if ins.value else "", ins.line
            )  # a new stage starts over
        elif ins.keyword == "CMD":
            image.cmd = form(ins.value, ins.line)
        elif ins.keyword == "ENTRYPOINT":
            image.entrypoint = form(ins.value, ins.line)
        elif ins.keyword == "STOPSIGNAL":
            image.stopsignal = (ins.value, ins.line)
        elif ins.keyword in ("COPY", "ADD"):
            words = [w for w in split(ins.value) if not w.startswith("--")]
            if len(words) >= 2:
                image.copies.append((tuple(words[:-1]), words[-1]))
        elif ins.keyword == "RUN":
            image.runs.append(ins.value)
    return image


def _is_init(argv0: str) -> bool:
    return posixpath.basename(argv0) in INITS or argv0 == "/init"


def _script_source(image: Image, script: str, base_dir: Path) -> Path | None:
    """The build-context file COPY'd to `script` (by destination path, or into a directory)."""
    for sources, dest in image.copies:
        for src in sources:
            if (
                dest == script
                or (dest.endswith("/") and posixpath.join(dest, posixpath.basename(src)) == script)
                or posixpath.basename(src) == posixpath.basename(script)
            ):
                candidate = base_dir / src
                if candidate.is_file():
                    return candidate
    return None


def pid1_rule(image: Image, subject: str, path: Path) -> Finding:
    check = "docker.pid1"
    ep, cmd = image.entrypoint, image.cmd
    first = ep or cmd
    if first is None:
        return warned(
            check,
            subject,
            f"no CMD or ENTRYPOINT: PID 1 comes from the base image ({image.base or '?'})",
            'declare CMD in exec form, e.g. CMD ["php", "artisan", "queue:work"]',
        )
    where = f"{path}:{first.line}"
    which = "ENTRYPOINT" if ep else "CMD"
    if not first.exec_form:
        text = first.argv[2]
        if text.lstrip().startswith("exec "):
            return passed(
                check,
                subject,
                f"shell-form {which} starts with `exec`: PHP replaces the shell as PID 1",
                where,
            )
        return failed(
            check,
            subject,
            f"shell-form {which} (`{text[:60]}`) makes /bin/sh PID 1; sh does not "
            "forward SIGTERM, so `docker stop` kills the job after its grace period",
            f"write {which} in exec form: {which} {json.dumps(split(text))}",
            where,
        )
    argv0 = first.argv[0] if first.argv else ""
    if _is_init(argv0):
        if (
            ep is not None
            and cmd is not None
            and not cmd.exec_form
            and not cmd.argv[2].lstrip().startswith("exec ")
        ):
            return warned(
                check,
                subject,
                f"{posixpath.basename(argv0)} forwards SIGTERM to its child, which is "
                "/bin/sh running the shell-form CMD, not PHP",
                f"write CMD in exec form: CMD {json.dumps(split(cmd.argv[2]))}",
                f"{path}:{cmd.line}",
            )
        return passed(
            check,
            subject,
            f"{which} starts {posixpath.basename(argv0)}, which forwards SIGTERM",
            where,
        )
    if (
        posixpath.basename(argv0) in SHELLS
        and len(first.argv) > 2
        and first.argv[1].startswith("-")
    ):
        inner = first.argv[2]
        if inner.lstrip().startswith("exec ") or "exec " in inner.rsplit("&&", 1)[-1]:
            return passed(check, subject, f"{which} runs a shell that `exec`s the command", where)
        return failed(
            check,
            subject,
            f"{which} runs `{argv0} -c`: the shell is PID 1 and swallows SIGTERM",
            "end the shell snippet with `exec php ...`, or use exec form with tini",
            where,
        )
    if "php" in posixpath.basename(argv0):
        return passed(
            check, subject, f"{which} runs PHP as PID 1 (exec form): it receives SIGTERM", where
        )
    if ep is not None:  # an entrypoint script: it must exec its arguments
        src = _script_source(image, argv0, path.parent)
        if src is None:
            return warned(
                check,
                subject,
                f"ENTRYPOINT {argv0} is a script doctor cannot see: unless it ends "
                'with `exec "$@"`, the shell stays PID 1 and swallows SIGTERM',
                f'make {argv0} end with `exec "$@"` (or pass its path to --files)',
                where,
            )
        body = src.read_text(errors="replace")
        if re.search(r'^\s*exec\s+("\$@"|\$@|php\b|"\$\{@\}")', body, re.M):
            return passed(
                check, subject, f"ENTRYPOINT {argv0} ends in exec: PHP replaces it as PID 1", where
            )
        return failed(
            check,
            subject,
            f"ENTRYPOINT {argv0} ({src}) never `exec`s its command: the script stays "
            "PID 1 and SIGTERM never reaches PHP",
            f'end {src.name} with `exec "$@"`',
            where,
        )
    return passed(
        check, subject, f"{which} in exec form: {argv0} is PID 1 and receives SIGTERM", where
    )


def stopsignal_rule(image: Image, subject: str, path: Path) -> Finding:
    if image.stopsignal is None:
        return passed("docker.stopsignal", subject, "no STOPSIGNAL: Docker sends SIGTERM")
    value, line = image.stopsignal
    sig = signal_name(value)
    where = f"{path}:{line}"
    if sig in GRACEFUL:
        return passed("docker.stopsignal", subject, f"STOPSIGNAL {value}", where)
    return failed(
        "docker.stopsignal",
        subject,
        f"STOPSIGNAL {value}: the worker does not trap it, so a stop kills the job in the middle",
        "STOPSIGNAL SIGTERM",
        where,
    )


def pcntl_rule(image: Image, subject: str, runs_worker: bool, path: Path) -> Finding | None:
    """The official php images ship without pcntl; it has to be installed."""
    if not re.match(r"^(docker\.io/)?(library/)?php:", image.base):
        return None
    if any("pcntl" in r for r in image.runs):
        return passed("docker.pcntl", subject, f"pcntl is installed on {image.base}")
    msg = f"{image.base} (the official image) has no pcntl, so SIGTERM kills a job mid-flight"
    fix = "RUN docker-php-ext-install pcntl"
    where = f"{path}:{image.base_line}"
    return (
        failed("docker.pcntl", subject, msg, fix, where)
        if runs_worker
        else warned("docker.pcntl", subject, msg + " (if this image runs workers)", fix, where)
    )


def check_dockerfile(path: Path, text: str) -> list[Finding]:
    image = parse_dockerfile(text)
    subject = str(path)
    argv = (image.entrypoint.argv if image.entrypoint else ()) + (
        image.cmd.argv if image.cmd else ()
    )
    w = parse_worker_command(list(argv)) if argv else None
    out = [pid1_rule(image, subject, path), stopsignal_rule(image, subject, path)]
    pcntl = pcntl_rule(image, subject, w is not None, path)
    if pcntl is not None:
        out.append(pcntl)
    if w is not None:
        line = (image.cmd or image.entrypoint).line
        out += worker_rules(w, subject, f"{path}:{line}")
    return out
