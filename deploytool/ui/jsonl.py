"""--json: one JSON object per event, one per line, for scripts. Field names are the event
dataclasses' (see events.py); `event` holds the class name."""

from __future__ import annotations

import json
from typing import TextIO

from ..events import Event


class JsonLines:
    def __init__(self, stream: TextIO):
        self.stream = stream

    def __call__(self, event: Event) -> None:
        self.stream.write(json.dumps(event.to_dict(), sort_keys=True, default=str) + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass
