"""The answer of a probe that prints one JSON object last: the object, or why there is none.

PHP programs sent by the probes print warnings and notices before their answer, so the answer is
the last line that starts with `{`; when there is none, the last line of what was printed is the
most useful reason (PHP's fatal error, the shell's "not found").
"""

from __future__ import annotations

import json


def json_answer(stdout: str) -> dict | None:
    """The last `{...}` line of stdout as a dict; None when there is none or it does not parse."""
    line = next((r for r in reversed(stdout.strip().splitlines()) if r.startswith("{")), "")
    try:
        d = json.loads(line) if line else None
    except ValueError:
        return None
    return d if isinstance(d, dict) else None


def why_not(exit_code: int, stdout: str, stderr: str, limit: int = 200) -> str:
    """The last line printed (stderr first), else the exit code: why a probe gave no answer."""
    text = stderr.strip() or stdout.strip() or f"exit code {exit_code}"
    return text.splitlines()[-1][:limit]
