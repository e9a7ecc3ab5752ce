"""The job ledger: rows written by App\\Jobs\\LedgerJob, read back with `mariadb --batch`.

`account()` turns rows plus the dispatched sequence numbers into the three numbers a drain
test cares about: lost (dispatched, never finished), interrupted (an attempt started and
never finished) and duplicated (a seq finished more than once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

COLUMNS = ("id", "seq", "attempt", "host", "version", "pid", "started_at", "finished_at")
SELECT = f"SELECT {', '.join(COLUMNS)} FROM ledger ORDER BY id"


@dataclass(frozen=True)
class LedgerRow:
    id: int
    seq: int
    attempt: int
    host: str
    version: str
    pid: int
    started_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


def _when(text: str) -> datetime | None:
    return None if text == "NULL" else datetime.fromisoformat(text)


def parse_batch(output: str) -> list[LedgerRow]:
    """Parse `mariadb --batch` output of SELECT (a header line, then tab-separated rows)."""
    lines = output.splitlines()
    if not lines:
        return []
    if tuple(lines[0].split("\t")) != COLUMNS:
        raise ValueError(f"unexpected ledger header: {lines[0]!r}")
    rows = []
    for line in lines[1:]:
        id_, seq, attempt, host, version, pid, started, finished = line.split("\t")
        rows.append(
            LedgerRow(
                int(id_),
                int(seq),
                int(attempt),
                host,
                version,
                int(pid),
                _when(started),
                _when(finished),
            )
        )
    return rows


@dataclass(frozen=True)
class Account:
    lost: list[int] = field(default_factory=list)  # dispatched seqs with no finished row
    interrupted: list[LedgerRow] = field(default_factory=list)  # attempts started, never finished
    duplicated: list[int] = field(default_factory=list)  # seqs finished more than once
    finished: int = 0  # seqs finished at least once

    @property
    def clean(self) -> bool:
        return not (self.lost or self.interrupted or self.duplicated)


def account(rows: Iterable[LedgerRow], dispatched: Iterable[int]) -> Account:
    rows = list(rows)
    finished_count: dict[int, int] = {}
    for r in rows:
        if r.finished:
            finished_count[r.seq] = finished_count.get(r.seq, 0) + 1
    return Account(
        lost=sorted(s for s in set(dispatched) if s not in finished_count),
        interrupted=[r for r in rows if not r.finished],
        duplicated=sorted(s for s, n in finished_count.items() if n > 1),
        finished=len(finished_count),
    )
