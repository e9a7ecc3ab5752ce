"""Queue figures for `drain-status`: pending, delayed and reserved jobs per queue, and failed jobs.

Read over SSH on the migration host by booting the app in `current` (`php -r`), not by connecting
to Redis from the deploying machine: the app already knows its queue connection, Redis address,
password, key prefix and failed-jobs table, so there is no second copy of them in the inventory to
drift (a drifted cache prefix is exactly the mistake the drain hunts), no network path from a CI
runner to a private Redis, and the failed-jobs count comes from the app's own database. Redis
(`queues:Q`, `queues:Q:delayed`, `queues:Q:reserved`) and database queues are counted; other
drivers report that they are not. Cost: one PHP boot on one host per refresh.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..envelope import PHP_PROLOGUE
from ..shell import Cmd

# PHP_PROLOGUE: the command's secrets reach `php -r` code too (envelope.py)
_PHP = (
    PHP_PROLOGUE
    + r"""
require getcwd().'/vendor/autoload.php';
$app = require getcwd().'/bootstrap/app.php';
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
$cfg = $app['config'];
$name = (string) $cfg->get('queue.default');
$conn = (array) $cfg->get("queue.connections.$name");
$driver = (string) ($conn['driver'] ?? '');
$queues = array_slice($argv, 1) ?: [(string) ($conn['queue'] ?? 'default')];
$out = ['connection' => $name, 'driver' => $driver, 'queues' => new stdClass, 'failed' => null];
try {
  if ($driver === 'redis') {
    $r = $app['redis']->connection($conn['connection'] ?? 'default');
    foreach ($queues as $q) {
      $out['queues']->$q = ['pending' => (int) $r->llen("queues:$q"),
                            'delayed' => (int) $r->zcard("queues:$q:delayed"),
                            'reserved' => (int) $r->zcard("queues:$q:reserved")];
    }
  } elseif ($driver === 'database') {
    $db = $app['db']->connection($conn['connection'] ?? null);
    $t = $conn['table'] ?? 'jobs'; $now = time();
    foreach ($queues as $q) {
      $out['queues']->$q = [
        'pending' => $db->table($t)->where('queue', $q)->whereNull('reserved_at')
          ->where('available_at', '<=', $now)->count(),
        'delayed' => $db->table($t)->where('queue', $q)->whereNull('reserved_at')
          ->where('available_at', '>', $now)->count(),
        'reserved' => $db->table($t)->where('queue', $q)->whereNotNull('reserved_at')->count()];
    }
  } else {
    $out['error'] = "queue driver '$driver' is not counted (redis and database are)";
  }
} catch (Throwable $e) { $out['error'] = get_class($e).': '.$e->getMessage(); }
try {
  $f = (array) $cfg->get('queue.failed');
  if (in_array($f['driver'] ?? '', ['database', 'database-uuids'], true)) {
    $out['failed'] = $app['db']->connection($f['database'] ?? null)
      ->table($f['table'] ?? 'failed_jobs')->count();
  } else {
    $out['failed_error'] = "failed-job driver '".($f['driver'] ?? 'none')."' is not counted";
  }
} catch (Throwable $e) { $out['failed_error'] = get_class($e).': '.$e->getMessage(); }
echo json_encode($out), "\n";
"""
)


@dataclass(frozen=True)
class QueueFigures:
    connection: str = ""
    driver: str = ""
    queues: Mapping[str, Mapping[str, int]] = field(
        default_factory=dict
    )  # queue -> pending/delayed/reserved
    failed: int | None = None
    error: str = ""
    failed_error: str = ""

    def to_dict(self) -> dict:
        return {
            "connection": self.connection,
            "driver": self.driver,
            "queues": {q: dict(v) for q, v in self.queues.items()},
            "failed": self.failed,
            "error": self.error or None,
            "failed_error": self.failed_error or None,
        }


def queues_command(
    php: str, current_dir: str, queues: Sequence[str], env: Mapping[str, str] | None = None
) -> Cmd:
    return Cmd((php, "-r", _PHP, "--", *queues), cwd=current_dir, env=dict(env or {}))


def parse_queues(text: str) -> QueueFigures:
    lines = [line for line in text.splitlines() if line.strip().startswith("{")]
    if not lines:
        return QueueFigures(error=(text.strip().splitlines() or ["no output"])[-1][:300])
    try:
        d = json.loads(lines[-1])
    except ValueError:
        return QueueFigures(error=lines[-1][:300])
    queues = {
        str(q): {k: int(v.get(k, 0)) for k in ("pending", "delayed", "reserved")}
        for q, v in (d.get("queues") or {}).items()
        if isinstance(v, dict)
    }
    failed = d.get("failed")
    return QueueFigures(
        str(d.get("connection") or ""),
        str(d.get("driver") or ""),
        queues,
        int(failed) if isinstance(failed, int) else None,
        str(d.get("error") or ""),
        str(d.get("failed_error") or ""),
    )
