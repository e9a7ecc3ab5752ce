<?php

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

/**
 * One row per attempt of a LedgerJob: started when it begins, finished_at when it ends.
 */
return new class extends Migration
{
    public function up()
    {
        Schema::create('ledger', function (Blueprint $table) {
            $table->id();
            $table->unsignedInteger('seq')->index();
            $table->unsignedInteger('attempt');
            $table->string('host', 64);
            $table->string('version', 64);
            $table->unsignedInteger('pid');
            $table->dateTime('started_at', 6);
            $table->dateTime('finished_at', 6)->nullable();
        });
    }

    public function down()
    {
        Schema::dropIfExists('ledger');
    }
};
