"""A minimal Laravel 8 app, written into a temp dir, that runs `php artisan migrate --pretend`.

Composer cannot download here, so `artisan` requires Debian's Laravel 8.83 autoloader directly
and the config names only the providers that `migrate` needs. The database settings come from
environment variables so one app dir serves MariaDB and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

AUTOLOAD = "/usr/share/php/Illuminate/autoload.php"
# Debian's php-doctrine-dbal: Laravel 8 needs it for ->change() and renameColumn(). The app can
# see it only when DT_WITH_DBAL=1, so one machine shows both behaviours.
DBAL_AUTOLOAD = "/usr/share/php/Doctrine/DBAL/autoload.php"

ARTISAN = f"""<?php
// Debian's Illuminate autoloader includes Doctrine DBAL whenever the include path has it: unless
// asked for, point the include path at a copy of /usr/share/php without it.
if (getenv('DT_WITH_DBAL') !== '1') {{ set_include_path(__DIR__.'/php-without-dbal'); }}
require '{AUTOLOAD}';
if (getenv('DT_WITH_DBAL') === '1') {{ require '{DBAL_AUTOLOAD}'; }}
$app = require __DIR__.'/bootstrap/app.php';
$kernel = $app->make(Illuminate\\Contracts\\Console\\Kernel::class);
$status = $kernel->handle($input = new Symfony\\Component\\Console\\Input\\ArgvInput,
    new Symfony\\Component\\Console\\Output\\ConsoleOutput);
$kernel->terminate($input, $status);
exit($status);
"""

VENDOR_AUTOLOAD = (
    "<?php\nif (getenv('DT_WITH_DBAL') !== '1') "
    "{ set_include_path(dirname(__DIR__).'/php-without-dbal'); }\n"
    f"require '{AUTOLOAD}';\n"
    f"if (getenv('DT_WITH_DBAL') === '1') {{ require '{DBAL_AUTOLOAD}'; }}\n"
)

BOOTSTRAP = """<?php
$app = new Illuminate\\Foundation\\Application(dirname(__DIR__));
$app->singleton(
    Illuminate\\Contracts\\Console\\Kernel::class,
    Illuminate\\Foundation\\Console\\Kernel::class
);
$app->singleton(
    Illuminate\\Contracts\\Debug\\ExceptionHandler::class,
    Illuminate\\Foundation\\Exceptions\\Handler::class
);
return $app;
"""

CONFIG_APP = """<?php
return [
    'name' => 'pretend-lab', 'env' => 'testing', 'debug' => true,
    'key' => 'base64:'.base64_encode(str_repeat('k', 32)),
    'cipher' => 'AES-256-CBC', 'timezone' => 'UTC', 'locale' => 'en',
    'providers' => [
        Illuminate\\Cache\\CacheServiceProvider::class,
        Illuminate\\Database\\DatabaseServiceProvider::class,
        Illuminate\\Filesystem\\FilesystemServiceProvider::class,
        Illuminate\\Foundation\\Providers\\ComposerServiceProvider::class,
        Illuminate\\Database\\MigrationServiceProvider::class,
    ],
];
"""

CONFIG_DATABASE = """<?php
return [
    'default' => env('DB_CONNECTION'),
    'migrations' => 'migrations',
    'connections' => [
        'mysql' => ['driver' => 'mysql', 'host' => '127.0.0.1', 'port' => env('DB_PORT'),
            'url' => env('DATABASE_URL'), 'database' => env('DB_DATABASE'), 'username' => 'root',
            'password' => '',
            'charset' => 'utf8mb4', 'collation' => 'utf8mb4_unicode_ci',
            'prefix' => '', 'strict' => true, 'engine' => null],
        'pgsql' => ['driver' => 'pgsql', 'host' => '127.0.0.1', 'port' => env('DB_PORT'),
            'url' => env('DATABASE_URL'), 'database' => env('DB_DATABASE'),
            'username' => 'postgres', 'password' => '',
            'charset' => 'utf8', 'prefix' => '', 'schema' => 'public',
            'sslmode' => 'disable'],
        'sqlite' => ['driver' => 'sqlite', 'database' => env('DB_DATABASE'), 'prefix' => '',
            'foreign_key_constraints' => true],
    ],
];
"""


CONFIG_CACHE = """<?php
return ['default' => 'array', 'stores' => ['array' => ['driver' => 'array']], 'prefix' => 'lab'];
"""


def write_app(root: Path) -> Path:
    """Lay out the app under root and return its migrations dir."""
    for sub in (
        "bootstrap/cache",
        "config",
        "database/migrations",
        "storage/framework/cache",
        "storage/logs",
        "storage/app",
    ):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "artisan").write_text(ARTISAN)
    # What composer would have made: the framework's autoloader (PHP that boots the app itself,
    # like deploytool's probes, requires vendor/autoload.php), with the same DBAL switch.
    (root / "vendor").mkdir(exist_ok=True)
    (root / "vendor/autoload.php").write_text(VENDOR_AUTOLOAD)
    (root / "bootstrap/app.php").write_text(BOOTSTRAP)
    (root / "config/app.php").write_text(CONFIG_APP)
    (root / "config/database.php").write_text(CONFIG_DATABASE)
    (root / "config/cache.php").write_text(CONFIG_CACHE)
    _php_without_dbal(root / "php-without-dbal")
    return root / "database/migrations"


def _php_without_dbal(target: Path) -> None:
    """Symlinks to everything in /usr/share/php except Doctrine/DBAL."""
    share = Path("/usr/share/php")
    target.mkdir(exist_ok=True)
    for entry in share.iterdir():
        if entry.name != "Doctrine":
            (target / entry.name).symlink_to(entry)
    (target / "Doctrine").mkdir(exist_ok=True)
    for entry in (share / "Doctrine").iterdir():
        if entry.name != "DBAL":
            (target / "Doctrine" / entry.name).symlink_to(entry)


def has_dbal() -> bool:
    return Path(DBAL_AUTOLOAD).exists()


def artisan(
    root: Path, connection: str, port: int, database: str, *args: str, dbal: bool = False
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DB_CONNECTION": connection,
        "DB_PORT": str(port),
        "DB_DATABASE": database,
        "DT_WITH_DBAL": "1" if dbal else "0",
    }
    return subprocess.run(
        ["php", "artisan", *args, "--no-ansi", "--no-interaction"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


MIGRATION_HEAD = """<?php
use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\DB;
use Illuminate\\Support\\Facades\\Schema;
"""


def migration(body: str, class_name: str | None = None, head: str = "", members: str = "") -> str:
    """A migration file: a named class (Laravel 8's usual form) or an anonymous one (8.37+).

    `head` goes before the class (annotations live in comments there); `members` inside it.
    """
    opener = (
        f"class {class_name} extends Migration"
        if class_name
        else "return new class extends Migration"
    )
    closer = "}" if class_name else "};"
    return (
        f"{MIGRATION_HEAD}{head}\n{opener}\n{{\n{members}\n    public function up()\n    {{\n"
        f"{body}\n    }}\n{closer}\n"
    )
