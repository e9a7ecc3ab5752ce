<?php

namespace App\Http\Controllers;

/**
 * Controller routes only: Laravel 8's route:cache refuses closures.
 *
 * /health and /sleep/{ms} tell a client which code answered: the VERSION file and the release
 * directory base_path() was resolved to when this worker loaded the app (PHP resolves the
 * `current` symlink in __DIR__), plus the FPM worker's pid. tests/lab/http_load.py reads them.
 */
class StatusController extends Controller
{
    /** /sleep/{ms} never holds a worker longer than this (the lab's FPM timeouts stay above it). */
    public const MAX_SLEEP_MS = 30000;

    public function home()
    {
        return view('welcome', ['version' => $this->version()]);
    }

    public function health()
    {
        return response()->json($this->served());
    }

    /** Holds the request for `ms` milliseconds (bounded), so a test can keep requests in flight. */
    public function sleep(string $ms)
    {
        $ms = min((int) $ms, self::MAX_SLEEP_MS);
        $started = microtime(true);
        // usleep is cut short by signals: nap to a deadline taken from the clock.
        $deadline = $started + $ms / 1000;
        while (($left = $deadline - microtime(true)) > 0) {
            usleep((int) (min($left, 0.05) * 1000000));
        }

        return response()->json($this->served() + [
            'slept_ms' => (int) round((microtime(true) - $started) * 1000),
        ]);
    }

    private function served(): array
    {
        return [
            'status' => 'ok',
            'host' => gethostname(),
            'version' => $this->version(),
            'release' => basename(base_path()),
            'base_path' => base_path(),
            'pid' => getmypid(),
            'sapi' => PHP_SAPI,
            'document_root' => $_SERVER['DOCUMENT_ROOT'] ?? null,
            'script_filename' => $_SERVER['SCRIPT_FILENAME'] ?? null,
        ];
    }

    private function version(): string
    {
        return trim((string) @file_get_contents(base_path('VERSION')));
    }
}
