"""reload-web: after the switch, make php-fpm on every web host drop the old release's code.

Why it is needed: with nginx passing `$document_root`, PHP sees the symlinked path and opcache (and
each worker's realpath cache) keeps the old release's compiled code for as long as FPM runs;
with `$realpath_root` a switch is seen at once and this step only frees the old code's memory.

Strategies (web.strategy, per host):
- `opcache-reset`: one FastCGI request to the FPM socket runs opcache_reset() inside the pool
  (probes/fpm.py): no process restarts, no request dropped.
- `fpm-reload`: a graceful reload (USR2 to the master: it waits up to process_control_timeout for
  requests in flight, then starts new workers). `reload_command` as given (e.g. `sudo systemctl
  reload php8.2-fpm`, `supervisorctl signal USR2 php-fpm`), else USR2 to the pid in `pid_file`.
- `none`: nothing; the drain's web census still checks what is served.
Whether the new code is then really served is not assumed here: the health step and the drain's
web census ask each host.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import HostError, WebAccessError
from ..probes.fpm import access_problem, fpm_command, parse_fpm
from ..shell import Cmd, script

SIGNAL_PID_FILE = 'kill -USR2 "$(cat "$1")"'  # $1: the FPM master's pid file
STEP = "reload-web"


def reload(ctx, host, web) -> str:
    if web.strategy == "none":
        return "strategy none: nothing to do"
    if web.strategy == "fpm-reload":
        if web.reload_command:
            command = Cmd(web.reload_command)
            how = " ".join(web.reload_command)
        else:
            command = script(SIGNAL_PID_FILE, web.pid_file)
            how = f"USR2 to the pid in {web.pid_file}"
        ctx.run(host, command, STEP, what=f"reloading php-fpm ({how})")
        return f"php-fpm reloaded ({how})"
    reset = fpm_command(ctx.app.php, web.socket, ctx.path(".deploytool"), "reset")
    r = ctx.run(host, reset, STEP, check=False)
    answer = parse_fpm(r.exit_code, r.stdout, r.stderr, web.socket)
    if not answer.ok:
        error = WebAccessError if answer.denied else HostError
        raise error(
            host.name,
            STEP,
            access_problem(answer) + "; the host is switched, its FPM may still serve old code",
            "fix FPM access (docs/web.md), then `deploytool rollback` or ship again",
        )
    if not answer.data.get("enabled"):
        return "opcache is off in FPM: nothing to reset"
    if not answer.data.get("reset"):
        return "opcache_reset() refused (opcache.restrict_api?)"
    return "opcache reset"


def run(ctx, options: Mapping[str, object]) -> str:
    done = ctx.each_web(STEP, lambda h, w: reload(ctx, h, w))
    if not done:
        return "no web host"
    kinds = sorted(set(done.values()))
    if len(kinds) == 1:
        return f"{kinds[0]} on {', '.join(sorted(done))}"
    return "; ".join(f"{h}: {d}" for h, d in sorted(done.items()))
