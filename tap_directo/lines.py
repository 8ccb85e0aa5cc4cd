"""Order and invoice lines: the document stream hands them to its line stream, in batches.

Directo sends a document's lines inside it (`rows`). `order_rows`/`invoice_rows` are singer-sdk
child streams of `orders`/`invoices` that send no request: the document stream collects the key
and lines of each document it emits (past its stream maps' filter), and every ROW_BATCH
documents, and once at the end of its sync, syncs the line stream on them. Batches rather than
one child sync per document: no SCHEMA/STATE message per document. The tap gives both streams
the same `LineHandoff`; the line stream's context (`{"row_batch": n}`) names the batch it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from singer_sdk.exceptions import AbortedSyncFailedException, AbortedSyncPausedException
from singer_sdk.streams import Stream

ROW_BATCH = 500  # documents whose lines go to the line stream in one sync
Lines = list[tuple[dict[str, Any], list[Any]]]  # (document key, the document's lines)


class LineHandoff:
    """The lines of one document stream's documents, held until its line stream reads them."""

    def __init__(self, size: int = ROW_BATCH) -> None:
        self.size = size
        self.buffer: Lines = []  # collected, not yet handed over
        self.parked: dict[int, Lines] = {}  # handed over: the batch a line stream syncs on
        self._number = 0

    def add(self, key: dict[str, Any], lines: list[Any]) -> bool:
        """Collect one document's lines; True when a batch is full."""
        self.buffer.append((key, lines))
        return len(self.buffer) >= self.size

    def hand_over(self, line_streams: Iterable[Stream]) -> None:
        """Sync each wanted line stream once on the collected lines (none: nothing to do).

        Public `Stream.sync`, as singer-sdk's own child loop (private) does: singer-sdk syncs
        children only from a record's contexts, and the last batch has no record to ride on.
        """
        if not self.buffer:
            return
        with self._batch() as context:
            for stream in line_streams:
                if stream.selected or stream.has_selected_descendents:
                    try:
                        stream.sync(context=context)
                    except (AbortedSyncFailedException, AbortedSyncPausedException):
                        continue  # as singer-sdk does: the other line streams still run

    def take(self, context: Mapping[str, Any] | None) -> Lines:
        """The batch a line stream was synced on."""
        return self.parked.get((context or {}).get("row_batch", 0), [])

    @contextmanager
    def _batch(self) -> Iterator[dict[str, Any]]:
        """Park the collected lines under the number the line stream's (logged) context carries."""
        self._number += 1
        self.parked[self._number] = self.buffer
        self.buffer = []
        try:
            yield {"row_batch": self._number}
        finally:
            self.parked.pop(self._number, None)
