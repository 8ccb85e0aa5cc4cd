"""What happened to each record of a run, per Dokus resource: the summary and the last line.

Every record ends in one outcome (created, updated, unchanged, dead-lettered, ...); the counts
are logged at the end, and a run that dead-lettered anything ends with a line that says where
the records went and how to send them again.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from pathlib import Path

OUTCOME_ORDER = (
    "created",
    "created_and_sent",
    "updated",
    "replaced",
    "unchanged",
    "deleted",
    "already_gone",
    "delete_skipped",
    "dead_lettered",
    "would_create",
    "would_update",
    "would_delete",
)


class OutcomeTally:
    """Thread-safe counts of outcomes per resource, and of schema refusals."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.schema_refused = 0
        self._lock = threading.Lock()

    def tally(self, resource: str, outcome: str) -> None:
        with self._lock:
            self.counts.setdefault(resource, Counter())[outcome] += 1

    def note_schema_refusal(self, resource: str) -> None:
        """A record dead-lettered because it violates its stream's schema."""
        with self._lock:
            self.schema_refused += 1
        self.tally(resource, "dead_lettered")

    def refusal_summary(self, dead_lettered: int, path: Path) -> str | None:
        """The run's last line when records were dead-lettered (to `path`), else None."""
        if not dead_lettered:
            return None
        parts = []
        if dead_lettered > self.schema_refused:
            parts.append(f"{dead_lettered - self.schema_refused} record(s) refused by Dokus")
        if self.schema_refused:
            parts.append(f"{self.schema_refused} record(s) that violate their stream's schema")
        return (
            f"{' and '.join(parts)} were written to {path}; fix them and "
            "re-run (python -m target_dokus.replay)"
        )

    def log_summary(self, logger: logging.Logger) -> None:
        for resource, counts in sorted(self.counts.items()):
            parts = [f"{counts[o]} {o.replace('_', ' ')}" for o in OUTCOME_ORDER if counts[o]]
            logger.info("Dokus %s: %s", resource, ", ".join(parts))
        skipped = sum(c["delete_skipped"] for c in self.counts.values())
        if skipped:
            logger.warning("%d deletion(s) skipped because hard_delete is off", skipped)
