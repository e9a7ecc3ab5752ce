"""testinfra's host modules over deploytool's own SSH connection.

testinfra's modules (file, process, service) know how to ask a host a question and read the
answer; its paramiko backend, without an ssh_config, accepts unknown host keys with a warning.
So the modules run here on a backend whose `run()` goes through the stage's transport: host keys
checked against the stage's known_hosts, one connection per host shared with every other probe,
every command visible as a CommandRan event. testinfra builds its command text with its own
quote() (shlex.quote per argument); that text travels to the host as a single argv word of
`sh -c`, so deploytool still renders every remote command through shell.render().
"""

from __future__ import annotations

from ..errors import DeployError
from ..shell import script


def testinfra_host(ctx, host, step: str = "doctor", timeout: float = 30.0):
    """A testinfra.host.Host whose commands run on `host` through ctx.run (never raises on exit
    codes)."""
    try:
        import testinfra.host
        from testinfra.backend.base import BaseBackend
    except ImportError:
        raise DeployError(
            "doctor needs testinfra to inspect hosts, and it is not installed",
            "pip install pytest-testinfra (doctor --files works without it)",
        ) from None

    class TransportBackend(BaseBackend):
        NAME = "deploytool"

        def run(self, command: str, *args: str, **kwargs):
            text = self.get_command(command, *args)
            r = ctx.run(host, script(text, name="testinfra"), step, timeout=timeout, check=False)
            return self.result(r.exit_code, self.encode(text), r.stdout, r.stderr)

    return testinfra.host.Host(TransportBackend(host.name))
