<?php

// Console commands are classes registered in App\Console\Kernel.
