<?php

namespace App\Http\Controllers;

/**
 * Controller routes only: Laravel 8's route:cache refuses closures.
 */
class StatusController extends Controller
{
    public function home()
    {
        return view('welcome', ['version' => $this->version()]);
    }

    public function health()
    {
        return response()->json([
            'status' => 'ok',
            'host' => gethostname(),
            'version' => $this->version(),
        ]);
    }

    private function version(): string
    {
        return trim((string) @file_get_contents(base_path('VERSION')));
    }
}
