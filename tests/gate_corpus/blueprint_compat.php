<?php
// The recorder's bridge from Laravel 8.83 (the one Debian ships) to the Blueprint calls of the
// Laravel 9+ apps it records: `$table->uuid()` with its default name, `ulid()`/`foreignUlid()`/
// `ulidMorphs()`, and a table `comment()`. Without it such a migration fails here while the app's
// own Laravel runs it, and every later file of the chain meets a schema missing its table. Each
// call emits what Laravel 9's grammars emit for it (a ULID is char(26); a table comment is no DDL
// the gate judges, so it adds a command no 8.83 grammar compiles: nothing is printed); and the
// Blueprint macros of kalnoy/nestedset (its stand-in is in app_autoload.php).
// Loaded by the recorder's artisan after the framework's autoloader: its connections hand out
// schema builders whose blueprints are this one.

namespace DtCompat;

use Illuminate\Database\Connection;
use Illuminate\Database\MySqlConnection;
use Illuminate\Database\PostgresConnection;
use Illuminate\Database\Schema\Blueprint as Base;
use Illuminate\Database\Schema\ForeignIdColumnDefinition;
use Illuminate\Database\SQLiteConnection;

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

Connection::resolverFor('mysql', fn ($pdo, $db, $prefix, $config) => new class($pdo, $db, $prefix, $config) extends MySqlConnection {
    public function getSchemaBuilder()
    {
        return builder(parent::getSchemaBuilder());
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
