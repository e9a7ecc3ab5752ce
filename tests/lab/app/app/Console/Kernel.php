<?php

namespace App\Console;

use Illuminate\Console\Scheduling\Schedule;
use Illuminate\Foundation\Console\Kernel as ConsoleKernel;

class Kernel extends ConsoleKernel
{
    /** Registered explicitly: no directory scanning at boot. */
    protected $commands = [
        Commands\LedgerDispatch::class,
        Commands\LedgerLong::class,
        Commands\LabDaemon::class,
    ];

    /**
     * Every minute, `ledger:long N` (N seconds, default 20; storage/app/lab-schedule.json
     * {"long_seconds": N} changes it). It runs in the foreground of schedule:run, from the
     * release the scheduler was started in, so it is a long command of the old release after
     * a switch.
     */
    protected function schedule(Schedule $schedule)
    {
        $plan = json_decode((string) @file_get_contents(storage_path('app/lab-schedule.json')), true);
        $seconds = is_array($plan) && isset($plan['long_seconds']) ? (string) $plan['long_seconds'] : '20';
        $schedule->command('ledger:long', [$seconds])->everyMinute();
    }
}
