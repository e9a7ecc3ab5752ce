<?php
// The recorder's stand-in for laravel/helpers: the global array_*/str_* helpers Laravel 5.8
// dropped, which older apps keep by requiring that package (TastyIgniter's first migration calls
// starts_with(), its later ones array_get() and str_singular()). Not installed here, so each is
// defined, if nothing defines it, as the package does: a call of Arr or Str. Required by the
// recorder's artisan; PHP's own str_contains stays PHP's.

$dtArr = ['add', 'collapse', 'divide', 'dot', 'except', 'first', 'flatten', 'forget', 'get',
    'has', 'last', 'only', 'pluck', 'prepend', 'pull', 'random', 'set', 'sort',
    'sort_recursive' => 'sortRecursive', 'where', 'wrap'];
$dtStr = ['str_after' => 'after', 'str_before' => 'before', 'str_finish' => 'finish',
    'str_is' => 'is', 'str_limit' => 'limit', 'str_plural' => 'plural', 'str_random' => 'random',
    'str_replace_array' => 'replaceArray', 'str_replace_first' => 'replaceFirst',
    'str_replace_last' => 'replaceLast', 'str_singular' => 'singular', 'str_slug' => 'slug',
    'str_start' => 'start', 'camel_case' => 'camel', 'kebab_case' => 'kebab',
    'snake_case' => 'snake', 'studly_case' => 'studly', 'title_case' => 'title',
    'starts_with' => 'startsWith', 'ends_with' => 'endsWith'];
foreach ($dtArr as $key => $method) {
    $dtStr['array_' . (is_int($key) ? $method : $key)] = 'Arr::' . $method;
}
foreach ($dtStr as $function => $method) {
    if (!function_exists($function)) {
        $call = str_contains($method, '::') ? $method : 'Str::' . $method;
        eval("function $function(...\$a) { return \\Illuminate\\Support\\$call(...\$a); }");
    }
}
unset($dtArr, $dtStr, $key, $method, $function, $call);
