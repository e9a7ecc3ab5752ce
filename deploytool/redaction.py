"""Secrets out of text: the one redaction, used by shell.render, events, errors, audit and notify.

The inventory's secret values (Inventory.secrets()) are replaced by *** wherever text leaves the
process. Longest first, so a secret that contains another is never half shown; the shell-quoted
form first, since it contains the bare value.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable


def redact(text: str, secrets: Iterable[str]) -> str:
    for s in sorted((s for s in secrets if s), key=len, reverse=True):
        quoted = shlex.quote(s)
        if quoted != s:
            text = text.replace(quoted, "***")
        text = text.replace(s, "***")
    return text
