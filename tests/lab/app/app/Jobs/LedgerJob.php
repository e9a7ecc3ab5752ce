<?php

namespace App\Jobs;

use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use Illuminate\Support\Facades\DB;

/**
 * A job that writes down its own life in the `ledger` table: a row when it starts
 * (seq, attempt, host, version, pid, started_at) and finished_at when it is done.
 * From the ledger a test counts lost, interrupted and duplicated jobs.
 */
class LedgerJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels;

    public function __construct(public int $seq, public float $seconds)
    {
    }

    public function handle()
    {
        $id = DB::table('ledger')->insertGetId([
            'seq' => $this->seq,
            'attempt' => $this->attempts(),
            'host' => gethostname(),
            'version' => trim((string) @file_get_contents(base_path('VERSION'))),
            'pid' => getmypid(),
            'started_at' => now()->format('Y-m-d H:i:s.u'),
        ]);

        // A signal (the worker's SIGTERM handler, SIGALRM) cuts sleep() short, so the
        // work is a loop of short naps until a deadline taken from the clock.
        $deadline = microtime(true) + $this->seconds;
        while (($left = $deadline - microtime(true)) > 0) {
            usleep((int) (min($left, 0.1) * 1000000));
        }

        DB::table('ledger')->where('id', $id)->update([
            'finished_at' => now()->format('Y-m-d H:i:s.u'),
        ]);
    }
}
