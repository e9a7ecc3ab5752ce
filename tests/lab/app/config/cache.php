<?php

use Illuminate\Support\Str;

return [
    // redis, so that `queue:restart` (a cache key) reaches the workers of every host.
    'default' => env('CACHE_DRIVER', 'redis'),

    'stores' => [
        'array' => ['driver' => 'array', 'serialize' => false],
        'file' => ['driver' => 'file', 'path' => storage_path('framework/cache/data')],
        'redis' => ['driver' => 'redis', 'connection' => 'cache', 'lock_connection' => 'default'],
    ],

    'prefix' => env('CACHE_PREFIX', Str::slug(env('APP_NAME', 'lab'), '_').'_cache_'),
];
