"""How a remote command's secrets reach it: over the command's stdin, never in its argv or in any
process's environment. Every remote command goes through `wire()` (both transports call it), so
every step, probe and user step gets the same delivery.

Why not the environment (`env K=V cmd`, what deploytool did before): the login shell's command
line holds that text, and /proc/PID/cmdline is readable by every user of the host; and a value in
a process's environment is inherited by everything it starts and readable in /proc/PID/environ
for as long as each of those runs. Why stdin rather than uploading a file: the same round trip as
the command itself, nothing to clean up if the upload or the command never starts, and the value
exists on the host only while the command runs.

What the host runs (ENVELOPE, a constant sh script; the command's own text is its $1, and holds no
secret): it reads the secrets from stdin into a 0600 file in a fresh 0700 `mktemp -d` directory
(named after the session's token), runs the command, and removes the directory when the command
ends, however it ends short of SIGKILL; after a SIGKILL the stopper, which ends what a cancelled
or dead session left, removes that session's directories too (stopper.py). The app sees the
values as environment variables the way PHP code reads them: a PHP_INI_SCAN_DIR entry (the
default directory plus ours) adds an `auto_prepend_file` that fills `$_SERVER` from that file at
the start of every PHP process of the command (composer, artisan and the PHP they start), which
is where Laravel's env() and Composer's getenv look first. They are never put in the real
environment (putenv), so no child process inherits them in its environ. `php -r` code runs no
prepend file: PHP_PROLOGUE is its first line in the probes that boot the app. ExportedSecret
values (a database client's password: mysql, psql are not PHP) are exported by the envelope into
that one command's environment instead; still never on a command line. Any other program that
needs them in its environment opts in by sourcing `$DEPLOYTOOL_ENV_SH` (`sh -c '.
"$DEPLOYTOOL_ENV_SH" && npm ci'`): from there on they are in that shell's environment and its
children's, as before.

Why not an unlinked file held open on a descriptor (nothing left on disk even after a SIGKILL):
PHP opens /proc/self/fd/N by resolving it to the deleted path, and fails.

Commands without secrets are sent exactly as before.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, replace

from .redaction import ExportedSecret, Secret
from .shell import Chain, Cmd, Command, Pipe, render, script, with_marker

HEADER = "deploytool-secrets 1"

# $1 the command's shell text, $2 the PHP loader, $3 the sh loader. stdin: HEADER, then
# `p:NAME=BASE64` (for PHP) or `x:NAME=BASE64` (exported) lines. Exit 125: the secrets could not
# be set up (the command did not run).
ENVELOPE = r"""
umask 077
fail() { echo "deploytool: cannot hand the command its secrets: $1" >&2; exit 125; }
d=$(mktemp -d "${TMPDIR:-/tmp}/deploytool-env-${DEPLOYTOOL_RUN:-0}.XXXXXX") \
  || fail "no private directory under ${TMPDIR:-/tmp}"
trap 'rm -f "$d/zz-deploytool.ini"; rm -rf "$d"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
cat > "$d/s" || fail "cannot write under ${TMPDIR:-/tmp}"
printf '%s\n' "$2" > "$d/env.php" || fail "cannot write under ${TMPDIR:-/tmp}"
printf '%s\n' "$3" > "$d/env.sh" || fail "cannot write under ${TMPDIR:-/tmp}"
printf 'auto_prepend_file="%s"\n' "$d/env.php" > "$d/zz-deploytool.ini" || fail "cannot write"
PHP_INI_SCAN_DIR="${PHP_INI_SCAN_DIR:-}:$d" DEPLOYTOOL_PHP_ENV="$d/env.php"
DEPLOYTOOL_ENV_SH="$d/env.sh" DEPLOYTOOL_SECRETS="$d/s"
export PHP_INI_SCAN_DIR DEPLOYTOOL_PHP_ENV DEPLOYTOOL_ENV_SH DEPLOYTOOL_SECRETS
while IFS= read -r l; do
  case $l in
    x:?*=*) l=${l#x:}; v=$(printf '%s' "${l#*=}" | base64 -d) || fail "bad value"
            export "${l%%=*}=$v" ;;
  esac
done < "$d/s"
eval "$1"
"""

# Fills $_SERVER from the secrets file next to it (the envelope's directory); gone, or not ours:
# nothing changes.
PHP_LOADER = r"""<?php
(static function (): void {
    $raw = @file_get_contents(__DIR__ . '/s');
    $head = "deploytool-secrets 1\n";
    if (!is_string($raw) || strncmp($raw, $head, strlen($head)) !== 0) {
        return;
    }
    foreach (explode("\n", substr($raw, strlen($head))) as $line) {
        $eq = strpos($line, '=');
        if ($eq !== false && $eq > 2 && $line[1] === ':') {
            $_SERVER[substr($line, 2, $eq - 2)] = (string) base64_decode(substr($line, $eq + 1));
        }
    }
})();
"""

# Sourced by a command that wants every secret in its (and its children's) environment.
SH_LOADER = r"""
while IFS= read -r __dt; do
  case $__dt in
    ?:?*=*) __dt=${__dt#?:}; export "${__dt%%=*}=$(printf '%s' "${__dt#*=}" | base64 -d)" ;;
  esac
done < "$DEPLOYTOOL_SECRETS"
unset __dt
"""

# The first line of `php -r` code that boots the app with the command's env (no prepend file runs
# for -r code).
PHP_PROLOGUE = (
    "if (is_file($__dt = (string) getenv('DEPLOYTOOL_PHP_ENV'))) { require_once $__dt; }"
    " unset($__dt);\n"
)


@dataclass(frozen=True)
class Wire:
    """What a transport sends: the command text (no secret in it) and the bytes for its stdin
    (empty: close stdin at once, as for every command without secrets)."""

    text: str
    stdin: bytes = b""


def secrets_of(command: Command) -> dict[str, Secret]:
    parts = command.parts if isinstance(command, (Pipe, Chain)) else (command,)
    found: dict[str, Secret] = {}
    for p in parts:
        if isinstance(p, Cmd):
            found.update({k: v for k, v in p.env.items() if isinstance(v, Secret)})
        else:
            found.update(secrets_of(p))
    return found


def without_secrets(command: Command) -> Command:
    if isinstance(command, Cmd):
        env = {k: v for k, v in command.env.items() if not isinstance(v, Secret)}
        return replace(command, env=env)
    return type(command)(tuple(without_secrets(p) for p in command.parts))


def payload(secrets: Mapping[str, Secret]) -> bytes:
    lines = [HEADER]
    for name, value in sorted(secrets.items()):
        kind = "x" if isinstance(value, ExportedSecret) else "p"
        lines.append(f"{kind}:{name}=" + base64.b64encode(str(value).encode()).decode())
    return ("\n".join(lines) + "\n").encode()


def wire(command: Command, marker: str = "") -> Wire:
    """The text and stdin for `command`, tagged with the session's marker (see stopper.py)."""
    secrets = secrets_of(command)
    if not secrets:
        text = render(command)
        return Wire(with_marker(text, marker) if marker else text)
    inner = render(without_secrets(command))
    text = render(script(ENVELOPE, inner, PHP_LOADER, SH_LOADER, name="deploytool-env"))
    return Wire(with_marker(text, marker) if marker else text, payload(secrets))
