"""Developer tasks (invoke): demo, test, lint, bench, lab.up / lab.down / lab.status."""

from __future__ import annotations

import os
import sys

from invoke import Collection, Exit, task

PY = sys.executable


@task(help={"keep": "leave the lab running afterwards (stop it with `invoke lab.down`)"})
def demo(c, keep=False):
    """A real ship to the local lab: v1, then v2 while jobs flow, showing the drain."""
    c.run(f"{PY} scripts/demo.py" + (" --keep" if keep else ""), pty=sys.stdout.isatty())


@task(
    help={
        "k": "pytest -k expression",
        "unit": "only the fast rings (no lab)",
        "jobs": "pytest-xdist workers (each with its own labs)",
    }
)
def test(c, k="", unit=False, jobs=3):
    """The whole suite: unit and pipeline rings, migration checks on real databases, e2e on the lab.

    `--unit` runs only the unit and pipeline rings (no lab, no databases)."""
    paths = "tests/unit tests/pipeline" if unit else "tests"
    # Three workers, a test file each at a time: much e2e time is waiting on real hosts (jobs,
    # drains), so three labs side by side finish the suite sooner even on two cores
    # (lab/slots.py gives each its own addresses, ports and directories). The lab drives
    # supervisord over its socket (lab/supervisor_rpc.py): a supervisorctl per poll made the
    # suite CPU-bound.
    workers = "" if unit else f" -n {jobs} --dist loadfile"
    c.run(
        f"{PY} -m pytest -q -p no:cacheprovider{workers} {paths}" + (f" -k {k!r}" if k else ""),
        pty=False,
    )


@task
def lint(c):
    """ruff check and ruff format --check on the whole tree, byte-compile, the shell-text guard."""
    steps = (
        f"{PY} -m ruff check .",
        f"{PY} -m ruff format --check .",
        f"{PY} -m compileall -q deploytool tests tasks.py",
        f"{PY} -m pytest -q tests/unit/test_shell.py -k outside_render",
    )
    # every step runs, so one report shows all that is wrong
    failed = [cmd for cmd in steps if c.run(cmd, warn=True).failed]
    if failed:
        raise Exit("lint failed: " + "; ".join(failed), code=1)


@task(
    help={
        "hosts": "comma-separated host counts for the light lab",
        "quick": "fewer repetitions",
        "ship": "also a real ship on the full lab at K=3 and K=10 (the tool's own latency)",
        "web": "also the web tier in a real ship (K=3 and 10)",
    }
)
def bench(c, hosts="100,200,500", quick=False, ship=False, web=False):
    """Benchmarks (not part of the test run): deploytool against the bare asyncssh loop, OpenSSH,
    pyinfra and Ansible side by side (the baselines are installed into their own venv on first
    use); --ship adds a real ship at K=3 and 10, --web the web tier in a real ship."""
    flags = (" --quick" if quick else "") + (" --ship" if ship else "") + (" --web" if web else "")
    c.run(f"{PY} -m benchmarks.run --hosts {hosts}{flags}", pty=False)


@task(name="up", help={"hosts": "number of hosts", "workers": "workers per host"})
def lab_up(c, hosts=3, workers=2):
    """Start the lab fleet (sshd hosts in namespaces, Redis, MariaDB, git origin)."""
    c.run(f"{PY} -m tests.lab up --hosts {hosts} --workers {workers}")


@task(name="down")
def lab_down(c):
    """Stop every lab process by pid."""
    c.run(f"{PY} -m tests.lab down")


@task(name="status")
def lab_status(c):
    c.run(f"{PY} -m tests.lab status")


lab = Collection("lab", lab_up, lab_down, lab_status)
ns = Collection(demo, test, lint, bench, lab)
os.environ.setdefault("PYTHONUNBUFFERED", "1")
