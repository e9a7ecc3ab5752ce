"""Faults injected into one lab host, inside its own mount namespace (the other hosts and this
machine see nothing): a small full disk over a directory, a command that hangs on cue, a crash.

Each is a context manager that puts the host back as it was when the block ends, however it
ends, so the next test finds a healthy host. Everything runs through nsenter as root, the way
the lab itself enters a host (host.in_namespace).
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .procs import LabError, wait_until

HOLD_LIMIT = 120  # seconds a held command waits for its cue at most: nothing here runs forever


def _root(lab, host, script: str, check: bool = True):
    done = lab.run(host, ["sh", "-c", script], user="root", cwd="/")
    if check and done.returncode != 0:
        raise LabError(f"{host.name}: {script!r} failed: {done.stdout}{done.stderr}")
    return done


def _scratch(host) -> Path:
    """A directory of the host's own, visible at the same path inside it (the lab root is)."""
    d = host.app_dir.parent / "faults"
    d.mkdir(exist_ok=True)
    return d


@contextmanager
def full_disk(lab, host, path: str = "/var/www/app/releases", size: str = "64k") -> Iterator:
    """A tmpfs of `size` over `path` inside the host. What `path` held stays visible (each entry
    is bind-mounted into the tmpfs), so `current` still resolves; anything new lands in the small
    tmpfs and fills it. Yields `fill()`, which fills what is left of it at once."""
    area = _scratch(host) / "tmpfs"
    area.mkdir(exist_ok=True)
    q = shlex.quote
    entries = _root(lab, host, f"ls -1A {q(path)}").stdout.split()
    binds = "".join(
        f"mkdir {q(str(area / e))} && mount --bind {q(path + '/' + e)} {q(str(area / e))} && "
        for e in entries
    )
    _root(lab, host, f"mount -t tmpfs -o size={size},mode=0755 tmpfs {q(str(area))}")
    try:
        over = f"chown deploy:deploy {q(str(area))} && mount --bind {q(str(area))} {q(path)}"
        _root(lab, host, binds + over)

        def fill() -> None:
            filler = f"dd if=/dev/zero of={q(str(area))}/.filler bs=16k 2>/dev/null"
            _root(lab, host, filler, check=False)  # it stops at ENOSPC: that is the point

        yield fill
    finally:
        unmount = [path] + [str(area / e) for e in entries] + [str(area)]
        for m in unmount:  # the other way round from the mounts; each one tried
            _root(lab, host, f"umount {q(m)} 2>/dev/null", check=False)
        left = _root(lab, host, f"grep -c {q(str(area))} /proc/self/mountinfo", False)
        if left.stdout.strip() not in ("", "0"):
            raise LabError(f"{host.name}: {area} is still mounted: {left.stdout}")


@contextmanager
def held(lab, host, binary: str, cue: str) -> Iterator[None]:
    """`binary` inside the host replaced by a wrapper: a call whose arguments contain `cue`
    waits (up to HOLD_LIMIT) until the block ends and then fails with exit 1 without doing
    anything; every other call runs the real program. E.g. held(lab, h3, "/usr/bin/mv",
    ".current.tmp") stops h3's switch halfway while the other hosts switch."""
    d = _scratch(host)
    real, wrapper, go = d / "real", d / "wrapper", d / "go"
    go.unlink(missing_ok=True)
    shutil.copy2(binary, real)
    q = shlex.quote
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case "$*" in *{q(cue)}*)\n'
        f"  i=0; while [ ! -e {q(str(go))} ] && [ $i -lt {HOLD_LIMIT * 10} ]; do\n"
        "    sleep 0.1; i=$((i + 1)); done\n"
        "  exit 1 ;;\n"
        "esac\n"
        f'exec {q(str(real))} "$@"\n'
    )
    wrapper.chmod(0o755)
    _root(lab, host, f"mount --bind {q(str(wrapper))} {q(binary)}")
    try:
        yield
    finally:
        go.touch()  # a held call ends within 0.1 s; until then the mount is busy
        wait_until(
            lambda: (
                _root(lab, host, f"umount {q(binary)}", check=False).returncode == 0
                or not _mounted(lab, host, binary)
            ),
            10,
            f"{host.name}: {binary} unmounted",
            interval=0.1,
        )


def _mounted(lab, host, path: str) -> bool:
    mounts = _root(lab, host, "cat /proc/self/mountinfo").stdout.splitlines()
    return any(line.split()[4] == path for line in mounts if len(line.split()) > 4)


def crash(lab, host) -> None:
    """Every process of the host killed at once except its PID 1 (supervisord), as a crash would
    leave it: its sshd (listener and sessions), workers, web tier. supervisord starts its
    autostart programs again (sshd, the web tier); the caller starts the workers (boot).

    sshd goes first, by pid, then the rest: in a real crash the network goes with everything at
    once and nothing reports what died. `kill -1` alone signals in pid order, so the census
    watcher (a child of an sshd session) could see the workers die and say so before it died
    itself: the host would look drained rather than crashed (CI saw that twice)."""
    _root(
        lab,
        host,
        "for p in $(ps -eo pid=,comm= | awk '$2 ~ /^sshd/ {print $1}'); do kill -KILL \"$p\"; done;"
        " kill -KILL -1",
        check=False,
    )
