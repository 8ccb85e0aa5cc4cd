"""Emit each incoming STATE as soon as every record read before it is written or dead-lettered.

singer-sdk 0.54 emits state only when it drains all sinks (end of input, SIGTERM, every five
minutes), so a target killed mid-run has emitted nothing and the next run starts from the
beginning. Here each record read gets a number; records finish out of order on the worker
lanes, so the gate tracks the highest number up to which all have finished (the watermark) and
lets out, in input order, every state that arrived before a record above it. A record that
failed (run stopped) never finishes, so no state moves past it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any


class StateGate:
    """Thread-safe: `record_read` on the reader, `record_done` from any lane."""

    def __init__(self, emit: Callable[[dict[str, Any]], None]) -> None:
        self._emit = emit
        self._read = 0  # numbers handed out so far
        self._watermark = 0  # every record up to this number is done
        self._done_above: set[int] = set()  # finished records above the watermark
        self._waiting: deque[tuple[int, dict[str, Any]]] = deque()
        self._last: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def record_read(self) -> int:
        """Number the next record; a state arriving after it waits until it is done."""
        with self._lock:
            self._read += 1
            return self._read

    def record_done(self, number: int) -> None:
        """The record was written or dead-lettered (not: failed)."""
        with self._lock:
            self._done_above.add(number)
            while self._watermark + 1 in self._done_above:
                self._watermark += 1
                self._done_above.remove(self._watermark)
            self._release_locked()

    def state_read(self, value: dict[str, Any]) -> None:
        """A STATE message: out now if every record before it is done, else when they are."""
        with self._lock:
            self._waiting.append((self._read, value))
            self._release_locked()

    @property
    def last_emitted(self) -> dict[str, Any] | None:
        with self._lock:
            return self._last

    def _release_locked(self) -> None:
        while self._waiting and self._waiting[0][0] <= self._watermark:
            _, value = self._waiting.popleft()
            if value != self._last:
                self._emit(value)
                self._last = value
