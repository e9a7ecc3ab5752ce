"""Can this PHP deliver SIGTERM to a worker? pcntl loaded and its functions not disabled.

Laravel's worker listens for signals only when `extension_loaded('pcntl')`; without it a SIGTERM
kills the job mid-flight. Hosts that list pcntl_* in `disable_functions` (common on shared
hosting images) break the same way, so the probe asks PHP itself rather than a package manager.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..shell import Cmd

FUNCTIONS = ("pcntl_signal", "pcntl_async_signals", "pcntl_alarm")
CODE = (
    '$f = ["pcntl_signal", "pcntl_async_signals", "pcntl_alarm"];'
    'echo json_encode(["version" => PHP_VERSION, "pcntl" => extension_loaded("pcntl"),'
    ' "functions" => array_combine($f, array_map("function_exists", $f)),'
    ' "disabled" => (string) ini_get("disable_functions"), "binary" => PHP_BINARY]), PHP_EOL;'
)


def php_command(php: str) -> Cmd:
    return Cmd((php, "-r", CODE))


@dataclass(frozen=True)
class PhpRuntime:
    binary: str
    version: str
    pcntl: bool
    missing_functions: tuple[str, ...]
    error: str = ""


def parse_php(binary: str, exit_code: int, stdout: str, stderr: str) -> PhpRuntime:
    line = next((row for row in reversed(stdout.strip().splitlines()) if row.startswith("{")), "")
    if exit_code != 0 or not line:
        why = (stderr.strip() or stdout.strip() or f"exit code {exit_code}").splitlines()[-1][:200]
        return PhpRuntime(binary, "", False, FUNCTIONS, error=why)
    try:
        d = json.loads(line)
    except ValueError:
        return PhpRuntime(binary, "", False, FUNCTIONS, error="unreadable answer from PHP")
    funcs = d.get("functions") or {}
    return PhpRuntime(
        d.get("binary") or binary,
        str(d.get("version", "")),
        bool(d.get("pcntl")),
        tuple(f for f in FUNCTIONS if not funcs.get(f)),
    )
