"""Did `queue:restart` reach a release's workers? Read the restart key as that release sees it.

A worker exits when the cache value `illuminate:queue:restart` differs from the one it saw at
boot; it reads it through its own release's (cached) config: the cache store and prefix of that
release on that host. So booting the app in an old release's directory and reading the key shows
exactly what that release's workers see. Compared with what the release that sent the restart
reads, it tells a restart that reached the workers (they are just busy) from one that went to
another cache (per-host file cache, a CACHE_PREFIX that differs per host or changed between
releases). One command per host: php boots once per directory given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..envelope import PHP_PROLOGUE
from ..shell import Cmd, script

SEP = "\x1f"

# PHP_PROLOGUE: the command's secrets reach `php -r` code too (envelope.py)
_PHP = (
    PHP_PROLOGUE
    + r"""
require getcwd().'/vendor/autoload.php';
$app = require getcwd().'/bootstrap/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
$out = ['store' => (string) $app['config']->get('cache.default'),
        'prefix' => (string) $app['config']->get('cache.prefix')];
try {
  $v = $app['cache.store']->get('illuminate:queue:restart');
  $out['value'] = $v === null ? null : (string) $v;
} catch (Throwable $e) { $out['error'] = get_class($e).': '.$e->getMessage(); }
echo json_encode($out), "\n";
"""
)

# $1 php binary, $2 the PHP code, then directories: one JSON line per directory, tagged with it.
_SCRIPT = r"""
S=$(printf '\037')
php=$1 code=$2; shift 2
for d do
  if out=$(cd "$d" 2>&1 && "$php" -r "$code" 2>&1 | tail -n 1); then
    printf 'K%s%s%s%s\n' "$S" "$d" "$S" "$out"
  else printf 'K%s%s%s%s\n' "$S" "$d" "$S" "{\"error\": \"cannot boot the app here\"}"; fi
done
"""


@dataclass(frozen=True)
class RestartView:
    """The restart key as one release directory's app sees it."""

    directory: str
    store: str = ""
    prefix: str = ""
    value: str | None = None
    error: str = ""


def reach_command(
    php: str, directories: Sequence[str], env: Mapping[str, str] | None = None
) -> Cmd:
    c = script(_SCRIPT, php, _PHP, *directories, name="deploytool-restart-reach")
    return Cmd(c.argv, env=dict(env or {}))


def parse_reach(text: str) -> dict[str, RestartView]:
    out: dict[str, RestartView] = {}
    for line in text.splitlines():
        parts = line.split(SEP, 2)
        if len(parts) != 3 or parts[0] != "K":
            continue
        d = parts[1]
        try:
            data = json.loads(parts[2])
        except ValueError:
            out[d] = RestartView(d, error=parts[2].strip()[:300] or "no output")
            continue
        if not isinstance(data, dict):
            out[d] = RestartView(d, error=parts[2].strip()[:300])
            continue
        out[d] = RestartView(
            d,
            str(data.get("store") or ""),
            str(data.get("prefix") or ""),
            None if data.get("value") is None else str(data["value"]),
            str(data.get("error") or ""),
        )
    return out


def reached(old: RestartView, sent: RestartView) -> bool | None:
    """True/False when both reads worked, None when either could not be made."""
    if old.error or sent.error or sent.value is None:
        return None
    return old.value == sent.value
