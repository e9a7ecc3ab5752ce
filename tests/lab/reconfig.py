"""Misconfigure one lab host's worker program on purpose (for `deploytool doctor` tests).

    with worker_program(lab, "h1", stopsignal="KILL", stopwaitsecs=None):
        ...   # h1's [program:worker] now has stopsignal=KILL and no stopwaitsecs line

Edits the host's live supervisord config (`/run/supervisord.conf` inside it), applies it with
`supervisorctl reread` + `update` (which stops that host's workers: the program is autostart=false),
and puts the original back, applied, on exit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from .host import SUPERVISOR_CONF


def _edit(text: str, program: str, settings: dict[str, object]) -> str:
    out, inside, done = [], False, set()
    for line in text.splitlines():
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            if inside:
                out += [f"{k}={v}" for k, v in settings.items() if k not in done and v is not None]
            inside = header.group(1) == f"program:{program}"
        m = re.match(r"([a-z_]+)=", line) if inside else None
        if m and m.group(1) in settings:
            done.add(m.group(1))
            if settings[m.group(1)] is not None:
                out.append(f"{m.group(1)}={settings[m.group(1)]}")
            continue
        out.append(line)
    if inside:
        out += [f"{k}={v}" for k, v in settings.items() if k not in done and v is not None]
    return "\n".join(out) + "\n"


def apply(lab, host: str) -> None:
    for args in (("reread",), ("update",)):
        done = lab.supervisorctl(host, *args)
        if done.returncode != 0:
            raise RuntimeError(
                f"{host}: supervisorctl {args[0]} failed: {done.stdout}{done.stderr}"
            )


@contextmanager
def worker_program(lab, host: str, program: str = "worker", **settings) -> Iterator[None]:
    """Set (or, with None, remove) keys of [program:<program>] on `host` for the duration."""
    conf = lab.root / "hosts" / host / "run" / SUPERVISOR_CONF.rsplit("/", 1)[-1]
    original = conf.read_text()
    conf.write_text(_edit(original, program, settings))
    try:
        apply(lab, host)
        yield
    finally:
        conf.write_text(original)
        apply(lab, host)
