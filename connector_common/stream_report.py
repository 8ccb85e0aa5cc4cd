"""Say what each tap stream did, with its name in the text: one summary line, progress lines.

Under `meltano run`, Meltano's console drops the stream name from singer-sdk's METRIC lines, so
a user watching a long sync sees counts without knowing of what. Each stream logs progress
(records, requests so far) at most every PROGRESS_SECONDS while records flow, and one INFO
line when it is done: records, requests, retries and the seconds waited on 429s, the new
bookmark. A child stream (Directo's order lines) is summarised once, after its parent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a mixin: the type checker sees the stream class it is mixed into
    from singer_sdk.streams import Stream as _Stream
else:
    _Stream = object

PROGRESS_SECONDS = 60.0
clock: Callable[[], float] = time.monotonic  # tests replace it: no sleeping for progress lines


class StreamReport:
    """The counts of one stream over a run (all its syncs, for a child stream)."""

    def __init__(self, stream: str, logger: logging.Logger) -> None:
        self.stream = stream
        self.logger = logger
        self.records = 0
        self.requests = 0
        self.retries = 0
        self.waited_on_429 = 0.0
        self._started = clock()
        self._last_progress = self._started

    def request(self) -> None:
        self.requests += 1

    def retried(self, wait: float, status: int | None) -> None:
        self.retries += 1
        if status == 429:
            self.waited_on_429 += wait

    def record(self) -> None:
        self.records += 1
        now = clock()
        if now - self._last_progress >= PROGRESS_SECONDS:
            self._last_progress = now
            self.logger.info(
                "Stream '%s': %d records so far (%d requests, %d retries, %.0f s)",
                self.stream,
                self.records,
                self.requests,
                self.retries,
                now - self._started,
            )

    def finish(self, bookmark: Any) -> None:
        shown = f"new bookmark {bookmark}" if bookmark is not None else "no bookmark"
        self.logger.info(
            "Stream '%s' done: %d records, %d requests, %d retries (%.1f s waited on 429), %s",
            self.stream,
            self.records,
            self.requests,
            self.retries,
            self.waited_on_429,
            shown,
        )


class ReportedStreamMixin(_Stream):
    """Mix into a tap's Stream class (before singer-sdk's): counts records, logs the summary.

    The stream calls `self.report.request()` / `.retried(wait, status)` where it sends.
    """

    @cached_property
    def report(self) -> StreamReport:
        return StreamReport(self.name, self.logger)

    def _write_record_message(self, record: dict[str, Any]) -> None:
        super()._write_record_message(record)
        self.report.record()

    def finalize_state_progress_markers(self, state: dict[str, Any] | None = None) -> None:
        """singer-sdk calls this once after a top-level stream's sync (its `sync` is final)."""
        super().finalize_state_progress_markers(state)
        if state is None and self.parent_stream_type is None:
            self.finish_report()

    def finish_report(self) -> None:
        """The summary of this stream, then of its children (synced during its sync)."""
        if self.selected:
            state = self.stream_state
            bookmark = state.get("replication_key_value")
            if bookmark is None:
                bookmark = (state.get("progress_markers") or {}).get("replication_key_value")
            self.report.finish(bookmark)
        for child in self.child_streams:
            if isinstance(child, ReportedStreamMixin):
                child.finish_report()
