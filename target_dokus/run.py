"""Everything one run of the target shares across streams: client, lanes, indexes, tallies.

There is one Dokus account per run, so one session, one rate limiter, one worker pool (the
`max_concurrency` bound holds for the whole run) and one index per resource.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, wait
from typing import Any

from connector_common.rate_limit import RateLimiter
from target_dokus.client import DokusClient
from target_dokus.dead_letter import DeadLetterFile
from target_dokus.invoices import InvoiceUpserter
from target_dokus.lanes import OrderedLanes
from target_dokus.relations import ReferenceResolver, references_for
from target_dokus.resource_index import DokusResourceIndex
from target_dokus.resources import RESOURCES
from target_dokus.settings import DEFAULT_DEAD_LETTER_PATH, account_label, api_root, key_fields
from target_dokus.upsert import DokusUpserter

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


class DokusRun:
    """Per-run state; the first fatal failure stops every lane."""

    def __init__(self, config: Mapping[str, Any], logger: logging.Logger, secrets: list[str]):
        self.config = config
        self.logger = logger
        # singer-sdk fills the schema defaults; `or` covers settings given as an explicit null
        concurrency = int(config.get("max_concurrency") or 1)
        self.client = DokusClient(
            api_root(config),
            config["email"],
            config["password"],
            account_label=account_label(config),
            timeout=float(config.get("timeout") or 60),
            # One connection per lane, plus one for the reader thread's index reads.
            pool_size=concurrency + 1,
            limiter=RateLimiter(config.get("requests_per_minute")),
            secrets=secrets,
            logger=logger,
        )
        self.lanes = OrderedLanes(concurrency)
        self.dead_letters = DeadLetterFile(
            config.get("dead_letter_path") or DEFAULT_DEAD_LETTER_PATH, secrets
        )
        self.on_error = config.get("on_error") or "dead_letter"
        self.counts: dict[str, Counter[str]] = {}
        self.failure: BaseException | None = None
        self.schema_refused = 0
        self._upserters: dict[str, DokusUpserter] = {}
        self._in_flight: dict[str, list[Future[Any]]] = {}
        self.input_ended = False  # set at end of input: waiting references are refused then
        self._lock = threading.Lock()

    def upserter(self, resource_name: str) -> DokusUpserter:
        """The resource's writer, its index read from Dokus on first use (in the caller)."""
        with self._lock:
            upserter = self._upserters.get(resource_name)
            if upserter is None:
                index = DokusResourceIndex(
                    self.client,
                    RESOURCES[resource_name],
                    key_fields(self.config, resource_name),
                    self.logger,
                )
                upserter = self._new_upserter(resource_name, index)
                self._upserters[resource_name] = upserter
        upserter.index.load()
        if isinstance(upserter, InvoiceUpserter):
            upserter.sent_index.load()
        return upserter

    def _new_upserter(self, resource_name: str, index: DokusResourceIndex) -> DokusUpserter:
        options = {
            "hard_delete": bool(self.config.get("hard_delete")),
            "dry_run": bool(self.config.get("dry_run")),
            "logger": self.logger,
        }
        if resource_name != "invoices":
            return DokusUpserter(self.client, index, **options)
        # sent invoices by the same key, so a sent sender_ref never becomes a new draft
        sent = DokusResourceIndex(
            self.client, RESOURCES["sent_invoices"], index.key_fields, self.logger
        )
        send = bool(self.config.get("send_invoices"))
        return InvoiceUpserter(self.client, index, sent, send=send, **options)

    def resolver(self, resource_name: str) -> ReferenceResolver | None:
        """References by natural key of the resource (relations.py), None when it has none."""
        references = references_for(self.config, resource_name)
        if not references:
            return None
        indexes = {r.related: self.upserter(r.related).index for r in references}
        return ReferenceResolver(references, indexes)

    def track(self, resource_name: str, future: Future[Any]) -> None:
        """A write in flight, so records referring to this resource can wait for it."""
        with self._lock:
            pending = self._in_flight.setdefault(resource_name, [])
            if len(pending) > 1000:
                pending[:] = [f for f in pending if not f.done()]
            pending.append(future)

    def settle(self, resource_names: Iterable[str]) -> None:
        """Wait until every write of these resources handed out so far has finished."""
        with self._lock:
            futures = [f for name in resource_names for f in self._in_flight.get(name, [])]
        wait(futures)

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.failure is None:
                self.failure = exc
        self.lanes.stop()

    def raise_if_failed(self) -> None:
        if self.failure is not None:
            raise self.failure

    def note_schema_refusal(self, resource: str) -> None:
        """A record dead-lettered because it violates its stream's schema."""
        with self._lock:
            self.schema_refused += 1
        self.tally(resource, "dead_lettered")

    def refusal_summary(self) -> str | None:
        """The run's last line when records were dead-lettered, else None."""
        total = self.dead_letters.count
        if not total:
            return None
        parts = []
        if total > self.schema_refused:
            parts.append(f"{total - self.schema_refused} record(s) refused by Dokus")
        if self.schema_refused:
            parts.append(f"{self.schema_refused} record(s) that violate their stream's schema")
        return (
            f"{' and '.join(parts)} were written to {self.dead_letters.path}; fix them and "
            "re-run (python -m target_dokus.replay)"
        )

    def tally(self, resource: str, outcome: str) -> None:
        with self._lock:
            self.counts.setdefault(resource, Counter())[outcome] += 1

    def log_summary(self) -> None:
        for resource, counts in sorted(self.counts.items()):
            parts = [f"{counts[o]} {o.replace('_', ' ')}" for o in OUTCOME_ORDER if counts[o]]
            self.logger.info("Dokus %s: %s", resource, ", ".join(parts))
        skipped = sum(c["delete_skipped"] for c in self.counts.values())
        if skipped:
            self.logger.warning("%d deletion(s) skipped because hard_delete is off", skipped)

    def close(self) -> None:
        self.lanes.close()
        self.client.close()
