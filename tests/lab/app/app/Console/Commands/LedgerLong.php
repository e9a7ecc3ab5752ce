<?php

namespace App\Console\Commands;

use App\Support\RunLog;
use Illuminate\Console\Command;

/**
 * A long command the scheduler starts (App\Console\Kernel::schedule): works `seconds` and
 * records start and finish in storage/app/lab-runs.jsonl (kind "long"). It does not trap
 * signals: a SIGTERM ends it at once, and the missing "finish" line shows it was cut short.
 */
class LedgerLong extends Command
{
    protected $signature = 'ledger:long {seconds=20 : how long it works}';

    protected $description = 'Work for a while from the release it was started in; log start and finish';

    public function handle()
    {
        $seconds = (float) $this->argument('seconds');
        RunLog::write('long', 'start', ['seconds' => $seconds]);
        RunLog::work($seconds);
        RunLog::write('long', 'finish', ['seconds' => $seconds]);

        return 0;
    }
}
