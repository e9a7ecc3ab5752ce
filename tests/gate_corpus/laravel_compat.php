<?php
// The recorder's bridge from Laravel 8.83 (the one Debian ships) to what the Laravel 9+ apps it
// records call in their migrations: Laravel 10's typed config getters (`config()->string('x')`,
// bavix/laravel-wallet's and AnimeThemes' table names), and these Blueprint calls: `$table->uuid()` with its default name, `ulid()`/`foreignUlid()`/
// `ulidMorphs()`, and a table `comment()`. Without it such a migration fails here while the app's
// own Laravel runs it, and every later file of the chain meets a schema missing its table. Each
// call emits what Laravel 9's grammars emit for it (a ULID is char(26); a table comment is no DDL
// the gate judges, so it adds a command no 8.83 grammar compiles: nothing is printed); and the
// Blueprint macros of kalnoy/nestedset (its stand-in is in app_autoload.php).
// Loaded by the recorder's artisan after the framework's autoloader: its connections hand out
// schema builders whose blueprints are this one, and its provider (record_app.PROVIDERS) puts the
// typed config repository in place of 8.83's.

namespace DtCompat;

use Illuminate\Config\Repository;
use Illuminate\Database\Connection;
use Illuminate\Database\MySqlConnection;
use Illuminate\Database\PostgresConnection;
use Illuminate\Database\Schema\Blueprint as Base;
use Illuminate\Database\Schema\ForeignIdColumnDefinition;
use Illuminate\Database\SQLiteConnection;
use Illuminate\Support\ServiceProvider;
use InvalidArgumentException;

class Blueprint extends Base
{
    public function uuid($column = 'uuid')
    {
        return parent::uuid($column);
    }

    public function ulid($column = 'ulid', $length = 26)
    {
        return $this->char($column, $length);
    }

    public function foreignUlid($column, $length = 26)
    {
        return $this->addColumnDefinition(new ForeignIdColumnDefinition($this, [
            'type' => 'char', 'name' => $column, 'length' => $length,
        ]));
    }

    public function ulidMorphs($name, $indexName = null)
    {
        $this->string("{$name}_type");
        $this->ulid("{$name}_id");
        $this->index(["{$name}_type", "{$name}_id"], $indexName);
    }

    public function nullableUlidMorphs($name, $indexName = null)
    {
        $this->string("{$name}_type")->nullable();
        $this->ulid("{$name}_id")->nullable();
        $this->index(["{$name}_type", "{$name}_id"], $indexName);
    }

    // kalnoy/nestedset's Blueprint macros (its provider is not installed): NestedSet::columns
    public function nestedSet()
    {
        \Kalnoy\Nestedset\NestedSet::columns($this);
    }

    public function dropNestedSet()
    {
        \Kalnoy\Nestedset\NestedSet::dropColumns($this);
    }

    public function comment($comment)
    {
        return $this->addCommand('tableComment', compact('comment'));
    }
}

function builder($schema)
{
    $schema->blueprintResolver(fn ($table, $callback = null, $prefix = '') => new Blueprint($table, $callback, $prefix));
    return $schema;
}

// Laravel 8 changes a column through Doctrine DBAL, which has no enum, mediumint, tinyint or
// double type: `->change()` to one of those fails "Unknown column type" (osu-web's enum and
// mediumInteger changes), where the Laravel 10+ app that wrote it changes the column natively.
// Such a change is compiled here as Laravel 10's MySQL grammar does: `modify` with the column's
// full definition. Every change DBAL can compile stays DBAL's.
class MySqlGrammar extends \Illuminate\Database\Schema\Grammars\MySqlGrammar
{
    public function compileChange(Base $blueprint, \Illuminate\Support\Fluent $command, Connection $connection)
    {
        try {
            return parent::compileChange($blueprint, $command, $connection);
        } catch (\Doctrine\DBAL\Exception $e) {
            if (!str_starts_with($e->getMessage(), 'Unknown column type')) {
                throw $e;
            }
        }
        $columns = [];
        foreach ($blueprint->getChangedColumns() as $column) {
            $sql = 'modify ' . $this->wrap($column) . ' ' . $this->getType($column);
            $columns[] = $this->addModifiers($sql, $blueprint, $column);
        }
        return 'alter table ' . $this->wrapTable($blueprint) . ' ' . implode(', ', $columns);
    }
}

Connection::resolverFor('mysql', fn ($pdo, $db, $prefix, $config) => new class($pdo, $db, $prefix, $config) extends MySqlConnection {
    public function getSchemaBuilder()
    {
        return builder(parent::getSchemaBuilder());
    }

    protected function getDefaultSchemaGrammar()
    {
        return $this->withTablePrefix(new MySqlGrammar());
    }
});
Connection::resolverFor('pgsql', fn ($pdo, $db, $prefix, $config) => new class($pdo, $db, $prefix, $config) extends PostgresConnection {
    public function getSchemaBuilder()
    {
        return builder(parent::getSchemaBuilder());
    }
});
Connection::resolverFor('sqlite', fn ($pdo, $db, $prefix, $config) => new class($pdo, $db, $prefix, $config) extends SQLiteConnection {
    public function getSchemaBuilder()
    {
        return builder(parent::getSchemaBuilder());
    }
});

// Laravel 10's typed getters: the value, or an error when it is not of the type asked for.
class Config extends Repository
{
    private function typed($key, $default, string $type, callable $is)
    {
        $value = $this->get($key, $default);
        if (!$is($value)) {
            throw new InvalidArgumentException("Configuration value for key [$key] must be $type.");
        }
        return $value;
    }

    public function string($key, $default = null)
    {
        return $this->typed($key, $default, 'a string', 'is_string');
    }

    public function integer($key, $default = null)
    {
        return $this->typed($key, $default, 'an integer', 'is_int');
    }

    public function float($key, $default = null)
    {
        return $this->typed($key, $default, 'a float', 'is_float');
    }

    public function boolean($key, $default = null)
    {
        return $this->typed($key, $default, 'a boolean', 'is_bool');
    }

    public function array($key, $default = null)
    {
        return $this->typed($key, $default, 'an array', 'is_array');
    }
}

class Provider extends ServiceProvider
{
    public function register()
    {
        $config = new Config($this->app['config']->all());
        $this->app->instance('config', $config);
        // The other connections an app's migrations name (osu-web's mysql-chat, mysql-store;
        // record.py lists them in DT_CONNECTIONS) are the recorder's own connection, the same
        // object: so `migrate --pretend`, which pretends on the migration's default connection
        // only, pretends on them too (on a connection of their own their DDL would run for
        // real while pretending), and the tables land in the database the gate's catalog
        // queries read, as one server holding all of an app's databases would hold them.
        $names = array_filter(explode(',', getenv('DT_CONNECTIONS') ?: ''));
        $default = $config->get('database.default');
        foreach ($names as $name) {
            if ($config->get("database.connections.$name") === null) {
                $config->set("database.connections.$name", $config->get("database.connections.$default"));
            }
        }
        $this->app->resolving('db', function ($db) use ($names, $default) {
            foreach ($names as $name) {
                if ($name !== $default) {
                    $db->extend($name, fn () => $db->connection($default));
                }
            }
        });
    }
}

// Laravel 8 changes a column through Doctrine DBAL, which first reads every column of the table
// and knows no spatial type: `->change()` on a table that holds a point (fleetops' places) fails
// "Unknown database type point" where Laravel 10+ changes the column natively. These name the
// types back, so DBAL can read such a table; they never emit DDL of their own (record_app.DBAL_TYPES).
abstract class SpatialType extends \Doctrine\DBAL\Types\Type
{
    public function getSQLDeclaration(array $column, \Doctrine\DBAL\Platforms\AbstractPlatform $platform)
    {
        return strtoupper(static::NAME);
    }

    public function getName()
    {
        return static::NAME;
    }
}

class PointType extends SpatialType { const NAME = 'point'; }
class GeometryType extends SpatialType { const NAME = 'geometry'; }
class LineStringType extends SpatialType { const NAME = 'linestring'; }
class PolygonType extends SpatialType { const NAME = 'polygon'; }
class MultiPointType extends SpatialType { const NAME = 'multipoint'; }
class MultiLineStringType extends SpatialType { const NAME = 'multilinestring'; }
class MultiPolygonType extends SpatialType { const NAME = 'multipolygon'; }
class GeometryCollectionType extends SpatialType { const NAME = 'geometrycollection'; }
