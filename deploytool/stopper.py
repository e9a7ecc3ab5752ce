"""Stopping what a cancelled ship started on a host, and nothing else.

Every remote command of a ship carries the ship's token in its environment (shell.with_marker).
On cancel, this script finds the processes whose environment holds that token and sends SIGTERM
to their process groups (each SSH session is its own group, and so is each command a persistent
runner starts), then SIGKILL to what is left after a short grace, and removes the secrets
directories those commands had (envelope.py). Workers are never touched: supervisord starts
them, not us, so they never carry the token.

A persistent runner (transport/runner_php.py) carries the token as DEPLOYTOOL_RUNNER instead, so
that a live session's cancel, which runs this script through that very runner, ends the
commands and not the runner; recovering what a dead session left (`runners=True`) ends its
runners too.
"""

from __future__ import annotations

from .shell import MARKER, RUNNER_MARKER, script

# $1 marker=token, $2 (optional) runner-marker=token. Prints the pids it signalled. Then removes
# the secrets directories of that session's commands (envelope.py): a command killed by SIGKILL
# could not remove its own.
STOP = r"""
sweep() { rm -rf "${TMPDIR:-/tmp}/deploytool-env-${1#*=}".* 2>/dev/null; exit 0; }
found=
for f in /proc/[0-9]*/environ; do
  p=${f#/proc/}; p=${p%/environ}
  [ "$p" = "$$" ] && continue
  if tr '\0' '\n' < "$f" 2>/dev/null | grep -qxF -e "$1" -e "${2:-$1}"; then found="$found $p"; fi
done
[ -z "$found" ] && sweep "$1"
m=$1
for p in $found; do
  read -r stat < "/proc/$p/stat" 2>/dev/null || continue
  set -- ${stat##*) }; pg=$3
  kill -TERM -- "-$pg" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
  echo "$p"
done
i=0
while [ $i -lt 20 ]; do
  alive=; for p in $found; do [ -d "/proc/$p" ] && alive="$alive $p"; done
  [ -z "$alive" ] && sweep "$m"
  sleep 0.1; i=$((i + 1))
done
for p in $alive; do kill -KILL "$p" 2>/dev/null || true; done
sweep "$m"
"""


def stop_command(token: str, runners: bool = False):
    """The stopper for session `token`'s commands (and, with `runners`, its persistent runners)."""
    extra = (f"{RUNNER_MARKER}={token}",) if runners else ()
    return script(STOP, f"{MARKER}={token}", *extra, name="deploytool-stop")
