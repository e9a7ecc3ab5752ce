<?php

namespace App\Console\Commands;

use App\Jobs\LedgerJob;
use Illuminate\Console\Command;

/**
 * Puts numbered LedgerJobs on the queue so a test can account for every one of them.
 */
class LedgerDispatch extends Command
{
    protected $signature = 'ledger:dispatch {count : how many jobs} {seconds : how long each job works} {--start=1 : first sequence number} {--ignore-term : the first attempt ignores SIGTERM and the worker timeout}';

    protected $description = 'Dispatch LedgerJobs with seq start..start+count-1';

    public function handle()
    {
        $count = (int) $this->argument('count');
        $seconds = (float) $this->argument('seconds');
        $start = (int) $this->option('start');

        for ($seq = $start; $seq < $start + $count; $seq++) {
            LedgerJob::dispatch($seq, $seconds, (bool) $this->option('ignore-term'));
        }

        $this->line(sprintf('dispatched %d job(s): seq %d..%d, %s s each', $count, $start, $start + $count - 1, $seconds));

        return 0;
    }
}
