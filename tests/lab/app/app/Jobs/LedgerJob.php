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

    public function __construct(public int $seq, public float $seconds, public bool $ignoreTerm = false)
    {
    }

    public function handle()
    {
        // --ignore-term: on its first attempt the job makes its worker ignore SIGTERM and the
        // --timeout alarm while it works (a worker stuck in a job that shields itself), so the
        // drain's escalation ladder has something only SIGKILL ends. A retry works 1 s, normally.
        $restore = null;
        $seconds = $this->seconds;
        if ($this->ignoreTerm) {
            if ($this->attempts() === 1) {
                $restore = [pcntl_signal_get_handler(SIGTERM), pcntl_signal_get_handler(SIGALRM)];
                pcntl_signal(SIGTERM, SIG_IGN);
                pcntl_signal(SIGALRM, SIG_IGN);
            } else {
                $seconds = 1.0;
            }
        }

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
        $deadline = microtime(true) + $seconds;
        while (($left = $deadline - microtime(true)) > 0) {
            usleep((int) (min($left, 0.1) * 1000000));
        }

        DB::table('ledger')->where('id', $id)->update([
            'finished_at' => now()->format('Y-m-d H:i:s.u'),
        ]);

        if ($restore !== null) {
            pcntl_signal(SIGTERM, $restore[0]);
            pcntl_signal(SIGALRM, $restore[1]);
        }
    }
}
