<?php

namespace App\Support;

/**
 * What the lab's long-running commands did, one JSON line per event, appended to
 * storage/app/lab-runs.jsonl (storage is shared/storage on a deployed host, so every release
 * of a host writes to the same file). tests/lab/kinds.py reads it back.
 *
 * Each line: kind, event, host, version, release (basename of base_path(): the release the
 * code was loaded from), pid, at (Unix time, float) plus the event's own fields.
 */
class RunLog
{
    public static function write(string $kind, string $event, array $extra = []): void
    {
        $line = json_encode([
            'kind' => $kind,
            'event' => $event,
            'host' => gethostname(),
            'version' => trim((string) @file_get_contents(base_path('VERSION'))),
            'release' => basename(base_path()),
            'pid' => getmypid(),
            'at' => microtime(true),
        ] + $extra, JSON_UNESCAPED_SLASHES);
        // One write() of a short line with O_APPEND: lines from several processes never interleave.
        file_put_contents(storage_path('app/lab-runs.jsonl'), $line."\n", FILE_APPEND | LOCK_EX);
    }

    /** Works until a deadline from the clock: signals cut usleep() short. */
    public static function work(float $seconds): void
    {
        $deadline = microtime(true) + $seconds;
        while (($left = $deadline - microtime(true)) > 0) {
            usleep((int) (min($left, 0.1) * 1000000));
        }
    }
}
