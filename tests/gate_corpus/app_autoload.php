<?php
// The recorder's autoloader for a harvested app's own classes (App\..., or the namespace DT_APP_NS
// names), read from DT_APP_DIR, and those under the DT_PSR4 roots.
// Their vendor packages are not installed, so a trait, interface or parent class an App class
// names that no loader finds is declared empty (by the last loader in the chain, and only for
// those names: the framework probes for optional classes with class_exists, and must keep
// getting false). A migration that only names a model, as foreignIdFor(User::class) does, then
// loads; one that calls what the package provides still fails, and is no case.

$GLOBALS['dt_kind'] = null;

function dt_declare(string $name, string $kind): void
{
    $at = strrpos($name, '\\');
    $ns = $at === false ? '' : substr($name, 0, $at);
    $short = $at === false ? $name : substr($name, $at + 1);
    $decl = $kind === 'model' ? "class $short extends \\Illuminate\\Database\\Eloquent\\Model" : "$kind $short";
    eval(($ns !== '' ? "namespace $ns; " : '') . "$decl {}");
}

function dt_exists(string $name, string $kind): bool
{
    $GLOBALS['dt_kind'] = $kind;
    $found = class_exists($name) || interface_exists($name) || trait_exists($name);
    $GLOBALS['dt_kind'] = null;
    return $found;
}

// Names a class file uses as traits (`use A, B;` in the class body) and interfaces (implements).
function dt_prepare(string $src): void
{
    preg_match('/^namespace\s+([^;]+);/m', $src, $ns);
    $imports = [];
    preg_match_all('/^use\s+([\w\\\\]+)(?:\s+as\s+(\w+))?\s*;/m', $src, $uses, PREG_SET_ORDER);
    foreach ($uses as $u) {
        $imports[$u[2] ?? substr(strrchr('\\' . $u[1], '\\'), 1)] = $u[1];
    }
    $resolve = function (string $n) use ($imports, $ns): string {
        $n = trim($n);
        if ($n[0] === '\\') {
            return substr($n, 1);
        }
        $head = explode('\\', $n)[0];
        if (isset($imports[$head])) {
            return $imports[$head] . substr($n, strlen($head));
        }
        return (isset($ns[1]) ? $ns[1] . '\\' : '') . $n;
    };
    preg_match_all('/^\s+use\s+([\w\\\\]+(?:\s*,\s*[\w\\\\]+)*)\s*[;{]/m', $src, $traits);
    foreach ($traits[1] as $list) {
        foreach (explode(',', $list) as $t) {
            dt_exists($resolve($t), 'trait');
        }
    }
    if (preg_match('/\bclass\s+\w+\s+extends\s+([\w\\\\]+)/', $src, $parent)) {
        // A model's missing vendor parent (Jetstream's Team, a package's Models\Role) is an
        // Eloquent model: foreignIdFor(Team::class) asks it for its key name and type.
        $name = $resolve($parent[1]);
        $model = preg_match('/\\\\Models(\\\\|$)/', ($ns[1] ?? '') . '\\' . $name)
            || preg_match('/(^|\\\\)(Model|Team|Membership|Pivot)$/', $name);
        dt_exists($name, $model ? 'model' : 'class');
    }
    if (preg_match('/\bimplements\s+([\w\\\\\s,]+)\{/', $src, $impl)) {
        foreach (explode(',', $impl[1]) as $i) {
            dt_exists($resolve($i), 'interface');
        }
    }
}

$GLOBALS['dt_ns'] = getenv('DT_APP_NS') ?: 'App\\';
// [namespace, directory] of the app's own code: its app/ dir, and the DT_PSR4 roots
// ("Vigilant\Uptime\=DIR|…": a modular app's packages, as its composer.json maps them). As
// composer does, a namespace may have several directories (shopper's Shopper\ is three
// packages' src/), and the longest namespace is tried first (Shopper\Core\ before Shopper\).
// A package's chain has no app dir, only its roots.
$GLOBALS['dt_roots'] = getenv('DT_APP_DIR') ? [[$GLOBALS['dt_ns'], getenv('DT_APP_DIR')]] : [];
foreach (array_filter(explode('|', getenv('DT_PSR4') ?: '')) as $root) {
    $GLOBALS['dt_roots'][] = explode('=', $root, 2);
}
usort($GLOBALS['dt_roots'], fn ($a, $b) => strlen($b[0]) <=> strlen($a[0]));

// The file of a class of the app's own code, or '' when it is under a root but no file has it,
// or null when it is under none (then it is a vendor class).
function dt_file(string $c): ?string
{
    $under = false;
    foreach ($GLOBALS['dt_roots'] as [$prefix, $dir]) {
        if (strncmp($c, $prefix, strlen($prefix)) === 0) {
            $under = true;
            $f = $dir . '/' . str_replace('\\', '/', substr($c, strlen($prefix))) . '.php';
            if (is_file($f)) {
                return $f;
            }
        }
    }
    return $under ? '' : null;
}

// Stand-ins for the few vendor classes that packages' published migrations name (the packages
// are not installed): only what those migrations read, with the package's own defaults.
const DT_STANDINS = [
    // spatie/laravel-permission 5.x: create_permission_tables reads the pivot key names
    'Spatie\\Permission\\PermissionRegistrar' => 'namespace Spatie\\Permission; class PermissionRegistrar {'
        . " public static \$pivotRole = 'role_id'; public static \$pivotPermission = 'permission_id';"
        . " public static \$teams = false; public static \$teamsKey = 'team_id'; }",
    // laravel/fortify: Jetstream's add_two_factor_columns asks whether confirmation is on, which
    // the config/fortify.php it publishes turns on
    'Laravel\\Fortify\\Fortify' => 'namespace Laravel\\Fortify; class Fortify {'
        . ' public static function confirmsTwoFactorAuthentication() { return true; } }',
    // kalnoy/nestedset: NestedSet::columns($table) adds the tree's bounds and parent, indexed
    'Kalnoy\\Nestedset\\NestedSet' => 'namespace Kalnoy\\Nestedset; class NestedSet {'
        . " const LFT = '_lft'; const RGT = '_rgt'; const PARENT_ID = 'parent_id';"
        . ' public static function getDefaultColumns() { return [self::LFT, self::RGT, self::PARENT_ID]; }'
        . ' public static function columns($t) { $t->unsignedInteger(self::LFT)->default(0);'
        . ' $t->unsignedInteger(self::RGT)->default(0); $t->unsignedInteger(self::PARENT_ID)->nullable();'
        . ' $t->index(self::getDefaultColumns()); }'
        . ' public static function dropColumns($t) { $t->dropIndex(self::getDefaultColumns());'
        . ' $t->dropColumn(self::getDefaultColumns()); } }',
    // lab404/laravel-auth-checker: its create_logins_table defaults the type to a model constant
    'Lab404\\AuthChecker\\Models\\Login' => 'namespace Lab404\\AuthChecker\\Models; class Login {'
        . " const TYPE_LOGIN = 'auth'; const TYPE_FAILED = 'failed'; const TYPE_LOCKOUT = 'lockout'; }",
];

spl_autoload_register(function ($c) {
    if (isset(DT_STANDINS[$c])) {
        eval(DT_STANDINS[$c]);
    }
});

spl_autoload_register(function ($c) {
    static $stubbing = false;
    if (!$stubbing) {
        $stubbing = true; // appended now, after the framework's loaders: it runs last
        spl_autoload_register(function ($c) {
            if ($GLOBALS['dt_kind'] !== null && dt_file($c) === null) {
                dt_declare($c, $GLOBALS['dt_kind']);
            }
        });
    }
    $f = dt_file($c);
    if ($f) {
        dt_prepare(file_get_contents($f));
        require $f;
    }
});
