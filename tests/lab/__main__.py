"""python -m tests.lab up|down|status [--root DIR] [--hosts K] [--workers M] [--web-root W]

The state (pids) lives in <root>/state.json, so `down` and `status` work from any process.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from .lab import Lab, LabError, default_root
from .procs import LabTimeout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.lab", description="The deploytool lab fleet."
    )
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument(
        "--root", default=None, help=f"lab root (default $DEPLOYTOOL_LAB or {default_root()})"
    )
    parser.add_argument("--hosts", type=int, default=3, help="number of hosts (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="queue workers per host (default 2)")
    parser.add_argument(
        "--address-prefix", default="127.20.0", help="hosts listen on PREFIX.N (default 127.20.0)"
    )
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--mariadb-port", type=int, default=3391)
    parser.add_argument(
        "--web-root",
        choices=("realpath", "document"),
        default=None,
        help="what nginx passes to PHP: $realpath_root (default) or $document_root "
        "(default $DEPLOYTOOL_LAB_WEB_ROOT or realpath)",
    )
    parser.add_argument("--json", action="store_true", help="status as JSON")
    args = parser.parse_args(argv)

    lab = Lab(
        args.root,
        hosts=args.hosts,
        workers=args.workers,
        address_prefix=args.address_prefix,
        redis_port=args.redis_port,
        mariadb_port=args.mariadb_port,
        web_root=args.web_root,
    )
    started = time.monotonic()
    try:
        if args.command == "up":
            already = lab.is_up()
            lab.up()
            print(
                f"lab already up at {lab.root}"
                if already
                else f"lab up at {lab.root} in {time.monotonic() - started:.1f}s"
            )
            for h in lab.hosts:
                print(f"  {h.name}  {h.address}:{h.port}  web {lab.web.url(h, '/')}  pid {h.pid}")
            print(f"  inventory:  {lab.inventory_path}")
            print(f"  ssh:        ssh -F {lab.ssh_config} h1")
        elif args.command == "down":
            was_there = "hosts" in lab.status()
            lab.down()
            print(
                f"lab down at {lab.root} in {time.monotonic() - started:.1f}s"
                if was_there
                else f"no lab at {lab.root}"
            )
        else:
            status = lab.status()
            if args.json:
                print(json.dumps(status, indent=2))
            else:
                _print_status(status)
            return 0 if status.get("up") else 3
    except (LabError, LabTimeout) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _print_status(status: dict) -> None:
    if "hosts" not in status:
        print(f"no lab at {status['root']}")
        return
    print(f"lab at {status['root']}: {'up' if status['up'] else 'DEGRADED (run down, then up)'}")
    for h in status["hosts"]:
        print(
            f"  {h['name']}  {h['address']}  pid {h['pid']}  "
            f"{'alive' if h['alive'] else 'DEAD'}  ssh {'ok' if h['ssh'] else 'DOWN'}  "
            f"web {'ok' if h.get('web') else 'DOWN'}"
        )
    for svc in ("redis", "mariadb"):
        s = status[svc]
        print(f"  {svc:<8} {s['address']}  pid {s['pid']}  {'alive' if s['alive'] else 'DEAD'}")
    print(f"  inventory:  {status['inventory']}")


if __name__ == "__main__":
    sys.exit(main())
