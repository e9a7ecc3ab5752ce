"""The open-file budget of a fleet: what a stage's SSH connections need against RLIMIT_NOFILE.

Every connection holds a socket (Fabric also a pipe pair per command in flight, for select), so
a 500-host stage under the common soft limit of 1024 would run into EMFILE halfway through the
connect, as a confusing "Too many open files" on whichever hosts came last. Checked before the
first connection: the soft limit is raised up to the hard limit when that is enough (any process
may), otherwise the command fails at once naming the numbers and how to raise them.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

from ..errors import DeployError, ExitCode

RESERVE = 64  # stdio, the interpreter's own files, logs, the audit, local tools' pipes
PER_HOST = {"asyncssh": 2, "fabric": 3}  # a socket (+ headroom for a reconnect; Fabric's pipes)
COMMANDS_IN_FLIGHT = 64  # the fan-out's threads (fanout.MAX_THREADS): Fabric's pipe pairs


@dataclass(frozen=True)
class Budget:
    need: int
    soft: int
    hard: int  # resource.RLIM_INFINITY when unlimited

    @property
    def fits(self) -> bool:
        return self.need <= self.soft

    @property
    def can_raise(self) -> bool:
        return self.hard == resource.RLIM_INFINITY or self.need <= self.hard


def budget(hosts: int, transport: str, soft: int, hard: int) -> Budget:
    need = RESERVE + hosts * PER_HOST.get(transport, 3)
    if transport == "fabric":
        need += 2 * COMMANDS_IN_FLIGHT
    return Budget(need, soft, hard)


def too_many(stage: str, hosts: int, b: Budget) -> DeployError:
    """Exit 3 (the configuration cannot run here as it is: retrying will not help)."""
    return DeployError(
        f"stage {stage!r} has {hosts} hosts: its SSH connections need about {b.need} open "
        f"files, more than this process may open (RLIMIT_NOFILE soft {b.soft}, hard {b.hard})",
        f"raise the limit where deploytool runs, e.g. `ulimit -n {b.need}` in the CI job (the "
        "hard limit as root: /etc/security/limits.conf `nofile`, systemd `LimitNOFILE=`, "
        f"`docker run --ulimit nofile={b.need}`), or split the stage",
        exit_code=ExitCode.CONFIG,
    )


def preflight(stage: str, hosts: int, transport: str) -> Budget:
    """Make room for `hosts` connections or fail before the first one (see the docstring)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    b = budget(hosts, transport, soft, hard)
    if b.fits:
        return b
    if not b.can_raise:
        raise too_many(stage, hosts, b)
    resource.setrlimit(resource.RLIMIT_NOFILE, (b.need, hard))
    return Budget(b.need, b.need, hard)
