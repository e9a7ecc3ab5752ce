"""--json: one JSON object per event, one per line, for scripts. Field names are the event
dataclasses' (see events.py); `event` holds the class name. The one secret the stream never
carries but a person needs once, the maintenance bypass, goes to stderr (`notes`) instead."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from ..events import Event, Maintenance
from .maintenance_text import bypass_line


class JsonLines:
    def __init__(self, stream: TextIO, notes: TextIO | None = None):
        self.stream = stream
        self.notes = notes

    def __call__(self, event: Event) -> None:
        self.stream.write(json.dumps(event.to_dict(), sort_keys=True, default=str) + "\n")
        self.stream.flush()
        if isinstance(event, Maintenance) and event.bypass:
            notes = self.notes or sys.stderr
            notes.write(bypass_line(event.bypass).strip() + "\n")
            notes.flush()

    def close(self) -> None:
        pass
