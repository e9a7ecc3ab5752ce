<?php

namespace App\Console\Commands;

use App\Support\RunLog;
use Illuminate\Console\Command;
use Symfony\Component\Console\Command\SignalableCommandInterface;

/**
 * A custom artisan daemon that traps SIGTERM/SIGINT/SIGQUIT and finishes its unit of work
 * before it exits (Symfony console's SignalableCommandInterface: the handler only sets a flag,
 * the loop checks it between units). Logs to storage/app/lab-runs.jsonl with kind "daemon":
 * start, unit-start/unit-finish (n), signal (signo, unit in progress), exit (units done).
 */
class LabDaemon extends Command implements SignalableCommandInterface
{
    protected $signature = 'lab:daemon {--unit=2 : seconds per unit of work}';

    protected $description = 'Work in units until signalled; finish the unit in progress, then exit';

    private bool $shouldExit = false;

    private int $unit = 0;

    public function handle()
    {
        $seconds = (float) $this->option('unit');
        RunLog::write('daemon', 'start', ['unit_seconds' => $seconds]);
        while (! $this->shouldExit) {
            $this->unit++;
            RunLog::write('daemon', 'unit-start', ['unit' => $this->unit]);
            RunLog::work($seconds);
            RunLog::write('daemon', 'unit-finish', ['unit' => $this->unit]);
        }
        RunLog::write('daemon', 'exit', ['units' => $this->unit]);

        return 0;
    }

    public function getSubscribedSignals(): array
    {
        return [SIGTERM, SIGINT, SIGQUIT];
    }

    public function handleSignal(int $signal): void
    {
        $this->shouldExit = true;
        RunLog::write('daemon', 'signal', ['signal' => $signal, 'unit' => $this->unit]);
    }
}
