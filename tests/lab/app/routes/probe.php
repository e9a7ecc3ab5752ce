<?php

// Stateless JSON probes, outside the `web` group: no session file per request under load.

use App\Http\Controllers\StatusController;
use Illuminate\Support\Facades\Route;

Route::get('/health', [StatusController::class, 'health'])->name('health');
Route::get('/sleep/{ms}', [StatusController::class, 'sleep'])->where('ms', '[0-9]+')->name('sleep');
