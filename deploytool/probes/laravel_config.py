"""The app's queue and cache configuration as the running code sees it (read-only).

Booted from `current` the way artisan boots (cached config included: that is what the workers
read), PHP prints one JSON line: each queue connection's driver and retry_after, the cache store
`queue:restart` writes its timestamp to, and who that store really is. For Redis the identity is
the server's run_id from INFO (a loopback address names a different server on every machine, so
addresses alone cannot tell whether hosts share a cache) plus the database and both prefixes
that make up the key. Passwords and URLs are never printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..shell import Cmd

CODE = r"""
require 'vendor/autoload.php';
$app = require 'bootstrap/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
$pick = function ($a, $keys) {
  $o = [];
  foreach ($keys as $k) {
    if (is_array($a) && array_key_exists($k, $a) && !is_array($a[$k])) { $o[$k] = $a[$k]; }
  }
  return $o;
};
$out = ['env' => $app->environment(), 'queue_default' => config('queue.default'), 'queue' => []];
foreach ((array) config('queue.connections') as $name => $c) {
  $out['queue'][$name] = $pick($c, ['driver', 'retry_after', 'queue', 'connection']);
}
$storeName = config('cache.default');
$store = (array) config("cache.stores.$storeName");
$id = ['store' => $storeName, 'driver' => $store['driver'] ?? null,
       'cache_prefix' => config('cache.prefix')];
if (($store['driver'] ?? null) === 'redis') {
  $rc = $store['connection'] ?? 'default';
  $r = (array) config("database.redis.$rc");
  if (empty($r['host']) && !empty($r['url'])) {
    $u = parse_url($r['url']); $r['host'] = $u['host'] ?? null; $r['port'] = $u['port'] ?? null;
  }
  $id += ['connection' => $rc, 'host' => $r['host'] ?? null,
          'port' => (string) ($r['port'] ?? '6379'), 'database' => (string) ($r['database'] ?? '0'),
          'redis_prefix' => config('database.redis.options.prefix')];
  try {
    $info = $app['redis']->connection($rc)->client()->info('server');
    $id['server_id'] = $info['run_id'] ?? ($info['Server']['run_id'] ?? null);
  } catch (Throwable $e) { $id['server_error'] = substr($e->getMessage(), 0, 200); }
} elseif (($store['driver'] ?? null) === 'database') {
  $dc = $store['connection'] ?? config('database.default');
  $id += ['connection' => $dc, 'table' => $store['table'] ?? 'cache']
    + $pick((array) config("database.connections.$dc"), ['driver', 'host', 'port', 'database']);
} elseif (($store['driver'] ?? null) === 'memcached') {
  $id['servers'] = array_map(
    function ($s) { return ($s['host'] ?? '') . ':' . ($s['port'] ?? ''); },
    (array) ($store['servers'] ?? [])
  );
} elseif (($store['driver'] ?? null) === 'file') {
  $id['path'] = $store['path'] ?? null;
}
$out['cache'] = $id;
$h = config('horizon');
if (is_array($h)) {
  $sups = array_merge(
    (array) ($h['defaults'] ?? []),
    (array) (($h['environments'] ?? [])[$app->environment()] ?? [])
  );
  $out['horizon'] = [];
  foreach ($sups as $n => $s) {
    $out['horizon'][$n] = $pick(
      array_merge((array) (($h['defaults'] ?? [])[$n] ?? []), (array) $s), ['connection', 'timeout']
    );
  }
}
echo json_encode($out), PHP_EOL;
"""


def config_command(php: str, app_dir: str) -> Cmd:
    return Cmd((php, "-r", CODE), cwd=app_dir)


@dataclass(frozen=True)
class AppConfig:
    env: str = ""
    queue_default: str = ""
    queues: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    cache: Mapping[str, object] = field(default_factory=dict)
    horizon: Mapping[str, Mapping[str, object]] | None = None
    error: str = ""

    def retry_after(self, connection: str | None) -> int | None:
        c = self.queues.get(connection or self.queue_default) or {}
        v = c.get("retry_after")
        return (
            int(v) if isinstance(v, (int, float)) or (isinstance(v, str) and v.isdigit()) else None
        )

    def queue_driver(self, connection: str | None) -> str:
        return str((self.queues.get(connection or self.queue_default) or {}).get("driver") or "")

    @property
    def cache_driver(self) -> str:
        return str(self.cache.get("driver") or "")

    @property
    def cache_identity(self) -> tuple:
        """What must be equal on every host for one `queue:restart` to reach every worker."""
        c = self.cache
        keys = ("driver", "connection", "database", "redis_prefix", "cache_prefix", "table", "path")
        ident = tuple((k, str(c.get(k))) for k in keys if k in c)
        if self.cache_driver == "redis":
            return ident + (
                ("server", str(c.get("server_id") or f"{c.get('host')}:{c.get('port')}")),
            )
        if self.cache_driver == "database":
            return ident + (("server", f"{c.get('host')}:{c.get('port')}"),)
        if self.cache_driver == "memcached":
            return ident + (("servers", tuple(c.get("servers") or ())),)
        return ident

    def describe_cache(self) -> str:
        c = self.cache
        d = self.cache_driver
        if d == "redis":
            where = f"redis {c.get('host')}:{c.get('port')} db {c.get('database')}"
            sid = c.get("server_id")
            return (
                where
                + (f" (server {str(sid)[:8]})" if sid else "")
                + f", prefix {c.get('redis_prefix') or ''}{c.get('cache_prefix') or ''}"
            )
        if d == "database":
            return (
                f"database {c.get('driver')} {c.get('host')}:{c.get('port')}/{c.get('database')} "
                f"table {c.get('table')}"
            )
        if d == "memcached":
            return "memcached " + ",".join(c.get("servers") or ())
        if d == "file":
            return f"file {c.get('path')}"
        return d or "(none)"


def parse_config(exit_code: int, stdout: str, stderr: str) -> AppConfig:
    line = next((row for row in reversed(stdout.strip().splitlines()) if row.startswith("{")), "")
    if exit_code != 0 or not line:
        text = stderr.strip() or stdout.strip() or f"exit code {exit_code}"
        first = next((row.strip() for row in text.splitlines() if row.strip()), text)
        return AppConfig(error=first[:300])
    try:
        d = json.loads(line)
    except ValueError:
        return AppConfig(error="unreadable answer from PHP")
    horizon = d.get("horizon")
    return AppConfig(
        str(d.get("env") or ""),
        str(d.get("queue_default") or ""),
        {k: v for k, v in (d.get("queue") or {}).items() if isinstance(v, dict)},
        d.get("cache") or {},
        horizon if isinstance(horizon, dict) else None,
    )
