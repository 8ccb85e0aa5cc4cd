"""The writing side of one run, shared by every sink: client, lanes, indexes, dead letters.

There is one Dokus account per run, so one session, one rate limiter, one worker pool (the
`max_concurrency` bound holds for the whole run) and one index per resource. The target builds
one `DokusWriter` when the first stream mapped to Dokus arrives and hands it to each sink; the
first fatal failure on any lane stops every lane, and no state passes it (state_gate.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
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
from target_dokus.state_gate import StateGate
from target_dokus.tally import OutcomeTally
from target_dokus.upsert import DokusUpserter


class DokusWriter:
    """What the sinks of one run share; `input_line` says which Singer line is being read."""

    def __init__(
        self,
        config: Mapping[str, Any],
        logger: logging.Logger,
        secrets: list[str],
        *,
        state_gate: StateGate,
        input_line: Callable[[], int],
    ) -> None:
        self.config = config
        self.logger = logger
        self.state_gate = state_gate
        self.input_line = input_line
        # singer-sdk fills the schema defaults; `or` covers settings given as an explicit null
        concurrency = int(config.get("max_concurrency") or 1)
        self.limiter = RateLimiter(config.get("requests_per_minute"))
        self.client = DokusClient(
            api_root(config),
            config["email"],
            config["password"],
            account_label=account_label(config),
            timeout=float(config.get("timeout") or 60),
            # One connection per lane, plus one for the reader thread's index reads.
            pool_size=concurrency + 1,
            limiter=self.limiter,
            secrets=secrets,
            logger=logger,
        )
        self.lanes = OrderedLanes(concurrency)
        self.dead_letters = DeadLetterFile(
            config.get("dead_letter_path") or DEFAULT_DEAD_LETTER_PATH, secrets
        )
        self.on_error = config.get("on_error") or "dead_letter"
        self.dry_run = bool(config.get("dry_run"))
        self.tally = OutcomeTally()
        self.failure: BaseException | None = None
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
        hard_delete = bool(self.config.get("hard_delete"))
        if resource_name != "invoices":
            return DokusUpserter(
                self.client,
                index,
                hard_delete=hard_delete,
                dry_run=self.dry_run,
                logger=self.logger,
            )
        # sent invoices by the same key, so a sent sender_ref never becomes a new draft
        sent = DokusResourceIndex(
            self.client, RESOURCES["sent_invoices"], index.key_fields, self.logger
        )
        return InvoiceUpserter(
            self.client,
            index,
            sent,
            hard_delete=hard_delete,
            dry_run=self.dry_run,
            send=bool(self.config.get("send_invoices")),
            logger=self.logger,
        )

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

    def refusal_summary(self) -> str | None:
        """The run's last line when records were dead-lettered, else None."""
        return self.tally.refusal_summary(self.dead_letters.count, self.dead_letters.path)

    def close(self) -> None:
        self.lanes.close()
        self.client.close()
