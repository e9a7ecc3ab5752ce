"""Time and cancellation, injected into every run (Context.clock, Context.cancel) so the drain's
tests run without sleeping and a signal becomes a token checked at safe points."""

from __future__ import annotations

import threading
import time

from .errors import Interrupted


class Clock:
    """Wall and monotonic time plus sleep, injected so drain tests run without sleeping."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float, cancel: Cancel | None = None) -> None:
        if cancel is not None:
            cancel.wait(seconds)
        else:
            time.sleep(seconds)

    def wait_for(
        self, event: threading.Event, seconds: float, cancel: Cancel | None = None
    ) -> bool:
        """Sleep until `event` is set (True) or `seconds` pass (False); a cancel ends it too."""
        end = time.monotonic() + seconds
        while cancel is None or not cancel.tripped:
            left = end - time.monotonic()
            if left <= 0:
                return False
            if event.wait(min(left, 0.2)):  # slices: a cancel is seen within 0.2 s
                return True
        return False


class Cancel:
    """Set by the signal handler; checked at safe points between (and inside long) steps."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.stopping = threading.Event()  # a stopper is ending our remote commands...
        self.stopped = threading.Event()  # ...and has finished
        self.signum = 0
        self.count = 0

    def trip(self, signum: int) -> None:
        self.signum = signum
        self.count += 1
        self._event.set()

    @property
    def tripped(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> None:
        self._event.wait(seconds)

    def check(self, where: str) -> None:
        if self._event.is_set():
            raise Interrupted(self.signum, where)
