"""A bounded worker pool where records with the same key stay in order.

Each key always goes to the same lane (one thread, one FIFO queue), so two changes to one
Dokus record are sent in the order they arrived, while different records go out in parallel.
Bounded queues make the reader wait instead of buffering the whole input in memory.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any

_STOP = object()


class StoppedError(Exception):
    """The run stopped (a fatal error elsewhere) before this job was started."""


class OrderedLanes:
    """`lanes` worker threads; `submit(key, fn)` runs fn on the key's lane, in order."""

    def __init__(self, lanes: int, queue_size: int = 64) -> None:
        self.stopped = threading.Event()
        self._queues: list[queue.Queue[Any]] = [
            queue.Queue(maxsize=queue_size) for _ in range(lanes)
        ]
        self._threads = [
            threading.Thread(target=self._work, args=(q,), name=f"dokus-lane-{n}", daemon=True)
            for n, q in enumerate(self._queues)
        ]
        for thread in self._threads:
            thread.start()

    def _lane(self, key: Hashable) -> queue.Queue[Any]:
        # crc32 of the repr, not hash(): the same key lands in the same lane on every run.
        return self._queues[zlib.crc32(repr(key).encode()) % len(self._queues)]

    def submit(self, key: Hashable, fn: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        self._lane(key).put((future, fn))
        return future

    def _work(self, jobs: queue.Queue[Any]) -> None:
        while True:
            job = jobs.get()
            if job is _STOP:
                return
            future, fn = job
            if self.stopped.is_set():
                future.set_exception(StoppedError("run stopped before this record was sent"))
                continue
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

    def stop(self) -> None:
        """Skip every job not yet started (after a fatal error)."""
        self.stopped.set()

    def close(self) -> None:
        for jobs in self._queues:
            jobs.put(_STOP)
        for thread in self._threads:
            thread.join(timeout=30)
