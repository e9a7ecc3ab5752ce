<?php

namespace App\Console;

use Illuminate\Console\Scheduling\Schedule;
use Illuminate\Foundation\Console\Kernel as ConsoleKernel;

class Kernel extends ConsoleKernel
{
    /** Registered explicitly: no directory scanning at boot. */
    protected $commands = [
        Commands\LedgerDispatch::class,
    ];

    protected function schedule(Schedule $schedule)
    {
    }
}
