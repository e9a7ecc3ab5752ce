"""Capture probe cases from a real lab: `python -m tests.unit.probes.capture` (needs root).

Brings up a lab of its own (its own root, addresses and ports), ships v1 with deploytool, starts
the workers with jobs in flight and v2 in the mirror, then sends each probe's exact command (the
one deploytool sends, over deploytool's own transport) and writes cases/<probe>/lab-*.json with
the output and the fact the parser makes of it today. Review the diff before committing: a case
records what the parser *should* make of that output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from deploytool.commands.common import open_stage
from deploytool.config import load_inventory
from deploytool.gate.gather import QUERIES
from deploytool.probes import (
    census,
    census_watch,
    git_ref,
    laravel_config,
    laravel_migrations,
    php_runtime,
    queues,
    releases,
    restart_reach,
    systemd_unit,
)
from deploytool.shell import Cmd
from tests.lab.lab import Lab

from .registry import PARSERS, to_data

CASES = Path(__file__).parent / "cases"
ROOT = Path("/tmp/deploytool-probe-capture")


def write(probe: str, name: str, about: str, command: str, **inputs) -> None:
    fact = to_data(PARSERS[probe](inputs))
    case = {"about": about, "captured_from": command, "input": inputs, "fact": fact}
    path = CASES / probe / f"lab-{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(case, indent=2, sort_keys=True) + "\n")
    print(f"wrote {path.relative_to(CASES)}")


def ship(inventory: Path, ref: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "deploytool.cli",
            "ship",
            "lab",
            "-i",
            str(inventory),
            "--ref",
            ref,
            "--json",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "CI": "1"},
    )


def main() -> int:
    lab = Lab(
        ROOT, hosts=2, workers=2, address_prefix="127.50.0", redis_port=6450, mariadb_port=3450
    )
    lab.up()
    try:
        lab.reset_app_state()
        ship(lab.inventory_path, "v1")
        lab.start_workers()
        lab.dispatch(4, 20)
        with open_stage(load_inventory(lab.inventory_path), "lab") as ctx:
            capture_all(ctx)
    finally:
        lab.down()
    return 0


def capture_all(ctx) -> None:
    h = ctx.stage.migration_host
    app, cur = ctx.app, ctx.path("current")

    def run(command):
        r = ctx.run(h, command, "capture", check=False, timeout=120)
        return r.exit_code, r.stdout, r.stderr

    _, out, _ = run(census.census_command(ctx.worker_pattern, app.deploy_path))
    write(
        "census",
        "workers-on-v1",
        "two queue:work workers of the current release",
        "census_command",
        stdout=out,
        deploy_path=app.deploy_path,
    )
    watch = census_watch.watch_command(ctx.worker_pattern, app.deploy_path, 0.05, 5)
    _, out, _ = run(Cmd(("sh", "-c", 'printf S | "$@"', "sh", *watch.argv)))
    write(
        "census_watch",
        "first-scan-and-snapshot",
        "the watcher's first scan, then one snapshot",
        "watch_command fed one S",
        stdout=out,
    )
    _, out, _ = run(releases.releases_command(app.deploy_path))
    write(
        "releases",
        "one-release-in-use",
        "one release, current, its workers' pids",
        "releases_command",
        stdout=out,
        deploy_path=app.deploy_path,
    )
    mirror = ctx.path(".deploytool", "repo.git")
    _, out, _ = run(git_ref.ref_command(app.repository, "v2", mirror))
    write(
        "git_ref",
        "tag-v2",
        "tag v2 resolved through ls-remote",
        "ref_command v2",
        stdout=out,
        ref="v2",
    )
    code, out, err = run(laravel_migrations.mirror_command(mirror, "v2", app.php, cur, QUERIES))
    write(
        "laravel_migrations",
        "mirror-v2-pending-widgets",
        "v2's widgets migration is pending",
        "mirror_command v2",
        exit_code=code,
        stdout=out,
        stderr=err,
    )
    code, out, err = run(laravel_config.config_command(app.php, cur))
    write(
        "laravel_config",
        "redis-cache",
        "the lab app's queue and cache config",
        "config_command",
        exit_code=code,
        stdout=out,
        stderr=err,
    )
    code, out, err = run(php_runtime.php_command(app.php))
    write(
        "php_runtime",
        "php82-with-pcntl",
        "Debian's PHP 8.2 CLI",
        "php_command",
        binary=app.php,
        exit_code=code,
        stdout=out,
        stderr=err,
    )
    _, out, err = run(queues.queues_command(app.php, cur, ("default",), app.env))
    write(
        "queues",
        "redis-jobs-reserved",
        "jobs pending and reserved on the default queue",
        "queues_command default",
        stdout=out + "\n" + err,
    )
    _, out, _ = run(restart_reach.reach_command(app.php, [cur], app.env))
    write(
        "restart_reach",
        "no-restart-yet",
        "the restart key before any queue:restart",
        "reach_command current",
        stdout=out,
    )
    _, out, _ = run(Cmd(("supervisorctl", "status")))
    write(
        "supervisor_status",
        "sshd-and-workers",
        "the lab host's programs",
        "supervisorctl status",
        stdout=out,
    )
    _, out, _ = run(systemd_unit.units_command())
    write(
        "systemd_units",
        "no-systemd",
        "a host without systemd (PID 1 is supervisord)",
        "units_command",
        stdout=out,
    )


if __name__ == "__main__":
    sys.exit(main())
