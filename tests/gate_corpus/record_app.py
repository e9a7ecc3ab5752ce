"""The Laravel 8 app the recorder runs each chain in: the lab's app (laravel_app.write_app) plus
what the harvested apps' migrations need of it, and nothing of their own Laravel.

Configs a chain names are copied in (never the recorder's own app, database and cache); older
apps' facade aliases; Doctrine DBAL types for `->change()` on timestamps and on tables holding
spatial columns; the providers data migrations call (hashing, encryption, and laravel_compat.php's
typed config and connection bridge); laravel_compat.php's Laravel 9+ calls and
laravel_helpers.php's stand-in for laravel/helpers (older apps' str_*/array_*), required by artisan;
app_autoload.php for the app's own classes and a package's psr-4 roots; and the other connections
a chain's migrations name (`connections`), which laravel_compat.php makes the recorder's own.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.migrations_real import laravel_app

# Older apps write `Schema::` and `DB::` without `use`, relying on config/app.php's aliases.
ALIASES = """    'aliases' => [
        'Arr' => Illuminate\\Support\\Arr::class,
        'Carbon' => Illuminate\\Support\\Carbon::class,
        'Config' => Illuminate\\Support\\Facades\\Config::class,
        'DB' => Illuminate\\Support\\Facades\\DB::class,
        'Schema' => Illuminate\\Support\\Facades\\Schema::class,
        'Str' => Illuminate\\Support\\Str::class,
        'Log' => Illuminate\\Support\\Facades\\Log::class,
        'File' => Illuminate\\Support\\Facades\\File::class,
        'Hash' => Illuminate\\Support\\Facades\\Hash::class,
    ],
"""
# Laravel 10 changes a timestamp column natively; Laravel 8's Doctrine DBAL knows the type only
# when it is registered (the framework ships the class for this): `->change()` on a timestamp,
# which the apps' own Laravel runs, then migrates here too instead of breaking the chain.
DBAL_TYPES = (
    """    'dbal' => ['types' => [
        'timestamp' => Illuminate\\Database\\DBAL\\TimestampType::class,
"""
    # spatial columns of a table whose other column changes (laravel_compat.php)
    + "".join(
        f"        '{t.lower()}' => DtCompat\\{t}Type::class,\n"
        for t in "Point Geometry LineString Polygon MultiPoint MultiLineString MultiPolygon "
        "GeometryCollection".split()
    )
    + "    ]],\n"
)
# Data migrations hash a seeded password or encrypt a setting: the services they call.
PROVIDERS = """        DtCompat\\Provider::class,
        Illuminate\\Hashing\\HashServiceProvider::class,
        Illuminate\\Encryption\\EncryptionServiceProvider::class,
"""


# Migrations that call the app's own classes (App\\…) find them under the app dir the chain names;
# a package those classes use that is not installed is declared empty (app_autoload.php).
APP_AUTOLOAD = Path(__file__).with_name("app_autoload.php")
# Laravel 9+ calls (uuid() unnamed, ulid(), a table comment, typed config) on the recorder's 8.83
LARAVEL_COMPAT = Path(__file__).with_name("laravel_compat.php")
LARAVEL_HELPERS = Path(__file__).with_name("laravel_helpers.php")  # laravel/helpers' stand-in
# Configs laravel_app writes for the recorder itself: a migration reading config('database.default')
# asks for the recorder's connection, and an app's own app.php (Laravel 12's, say) would replace
# the recorder's providers and break every file of the chain.
OWN_CONFIGS = frozenset({"app.php", "database.php", "cache.php"})


def write_app(root: Path, app_dir: Path | None, configs: dict[str, Path] | None = None) -> None:
    laravel_app.write_app(root)
    for name, source in (configs or {}).items():  # a package's config its migrations read
        if name in OWN_CONFIGS:
            continue  # the recorder's connection and providers, not the app's (its Laravel's)
        (root / "config" / name).parent.mkdir(parents=True, exist_ok=True)
        # __DIR__ is the harvested copy's folder, where the files it requires beside it are
        text = source.read_text(errors="replace").replace("__DIR__", repr(str(source.parent)))
        (root / "config" / name).write_text(text)
    database = root / "config/database.php"
    database.write_text(
        database.read_text().replace("    'connections'", DBAL_TYPES + "    'connections'", 1)
    )
    config = root / "config/app.php"
    head = "    'providers' => [\n"
    text = config.read_text().replace(head, head + PROVIDERS)
    config.write_text(text.replace("    'providers'", ALIASES + "    'providers'"))
    artisan = root / "artisan"
    (root / "laravel_compat.php").write_text(LARAVEL_COMPAT.read_text())
    (root / "laravel_helpers.php").write_text(LARAVEL_HELPERS.read_text())
    boot = "$app = require __DIR__.'/bootstrap/app.php';"
    bridges = "require __DIR__.'/laravel_compat.php';\nrequire __DIR__.'/laravel_helpers.php';\n"
    text = artisan.read_text().replace(boot, bridges + boot, 1)
    if app_dir is not None or os.environ.get("DT_PSR4"):  # a package's chain: its roots only
        (root / "app_autoload.php").write_text(APP_AUTOLOAD.read_text())
        text = text.replace("<?php\n", "<?php\nrequire __DIR__.'/app_autoload.php';\n", 1)
    artisan.write_text(text)


_CONNECTION = re.compile(r"""(?:connection\(\s*|\$connection\s*=\s*)['"]([\w-]+)['"]""")


def connections(files) -> list[str]:
    """The connections the chain's migrations name (`Schema::connection('mysql-chat')`,
    `protected $connection = 'mysql-store'`): laravel_compat.php makes each the recorder's."""
    names: dict[str, None] = {}
    for f in files:
        text = f.read_text(errors="replace") if f.is_file() else ""
        names.update(dict.fromkeys(_CONNECTION.findall(text)))
    return list(names)
