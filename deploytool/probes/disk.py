"""Free space where releases are built: asked only after a command failed, to tell a full disk
(or a full inode table) from any other failure. `df -P` is POSIX; -k in 1K blocks, -i for inodes.
Composer, git and tar each word ENOSPC their own way (composer wraps it across lines), so the
filesystem is asked rather than the message parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..shell import script

# $1: the path (the release being built, else the deploy path). Two df -P tables: blocks, inodes.
_SCRIPT = r"""
p=$1; while [ ! -e "$p" ]; do p=$(dirname "$p"); done
df -Pk -- "$p" | tail -n 1; df -Pi -- "$p" | tail -n 1
"""


def disk_command(path: str):
    return script(_SCRIPT, path, name="deploytool-disk")


@dataclass(frozen=True)
class Disk:
    mount: str
    free_kb: int
    free_inodes: int | None  # None: a filesystem without an inode count (btrfs shows 0 of 0)

    @property
    def full(self) -> bool:
        return self.free_kb < 1024 or self.free_inodes == 0


def parse_disk(text: str) -> Disk | None:
    """From `df -Pk` and `df -Pi` data lines: Filesystem Size Used Avail Use% Mounted-on."""
    rows = [line.split() for line in text.splitlines() if line.strip()]
    rows = [r for r in rows if len(r) >= 6 and r[3].isdigit()]
    if not rows:
        return None
    blocks = rows[0]
    inodes = rows[1] if len(rows) > 1 else None
    total_inodes = int(inodes[1]) if inodes and inodes[1].isdigit() else 0
    return Disk(
        mount=" ".join(blocks[5:]),
        free_kb=int(blocks[3]),
        free_inodes=int(inodes[3]) if inodes and total_inodes else None,
    )
