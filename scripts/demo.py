"""The demo: a real `deploytool ship` to the local lab fleet, showing the drain.

Brings the lab up (3 sshd hosts in namespaces, 2 queue:work workers each under supervisord,
Redis, MariaDB, a git origin with v1 and v2), ships v1, starts the workers, queues a stream of
multi-second jobs, ships v2 while they run, and prints the job ledger: every job completed once.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.lab.lab import Lab  # noqa: E402


def deploytool(*args: str) -> int:
    print(f"\n$ deploytool {' '.join(args)}", flush=True)
    return subprocess.call([sys.executable, "-m", "deploytool.cli", *args])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", action="store_true", help="leave the lab running")
    args = ap.parse_args()
    lab = Lab()
    if lab.is_up():
        lab.down()
    print(f"lab: starting {lab.n_hosts} hosts under {lab.root} ...", flush=True)
    lab.up()
    try:
        inv = str(lab.inventory_path)
        if deploytool("ship", "lab", "-i", inv, "--ref", "v1") != 0:
            return 1
        lab.start_workers()
        print("\nlab: workers running on v1; queueing 24 jobs of 3 s while v2 ships", flush=True)
        seqs = list(lab.dispatch(12, 3.0, start=1))
        stop = threading.Event()

        def more():
            if not stop.wait(1.5):
                seqs.extend(lab.dispatch(12, 3.0, start=13))

        t = threading.Thread(target=more)
        t.start()
        code = deploytool("ship", "lab", "-i", inv, "--ref", "v2")
        t.join()
        deploytool("drain-status", "lab", "-i", inv)
        account = lab.wait_for_ledger(seqs, timeout=120)
        by_version: dict[str, int] = {}
        for row in lab.ledger():
            if row.finished:
                by_version[row.version] = by_version.get(row.version, 0) + 1
        print(
            f"\nledger: {account.finished} of {len(seqs)} jobs finished, lost {len(account.lost)}, "
            "interrupted "
            f"{len(account.interrupted)}, duplicated {len(account.duplicated)}; by version "
            f"{by_version}"
        )
        return code
    finally:
        if args.keep:
            print(
                f"\nlab left running: deploytool drain-status lab -i {lab.inventory_path}; stop it "
                "with "
                "`python3 -m invoke lab.down`"
            )
        else:
            lab.down()


if __name__ == "__main__":
    sys.exit(main())
