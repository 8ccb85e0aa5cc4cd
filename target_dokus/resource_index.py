"""What Dokus already holds for one resource: read once per run, then kept up to date.

One `GET /X/` per resource and run gives match key -> existing record, so deciding between
create, update and "nothing to do" costs no further requests. Writes made during the run are
folded back in, so two records with the same key in one run update rather than duplicate.
A key whose create got an answer without the record is "unsure" until a search settles it:
the index cannot say whether Dokus holds it, so nobody may create it from the index alone.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from target_dokus.client import DokusClient
from target_dokus.errors import DokusRecordError, DokusRunError, DokusUnavailableError
from target_dokus.payload import MatchKey, match_key
from target_dokus.resources import DokusResource


class DokusResourceIndex:
    """Existing records of one resource by id and by match key; thread-safe."""

    def __init__(
        self,
        client: DokusClient,
        resource: DokusResource,
        key_fields: tuple[str, ...],
        logger: logging.Logger,
    ) -> None:
        self.client = client
        self.resource = resource
        self.key_fields = key_fields
        self.logger = logger
        self._by_id: dict[int, dict[str, Any]] = {}
        self._by_key: dict[MatchKey, int] = {}
        self._unsure: set[MatchKey] = set()
        self._lock = threading.Lock()
        self.loaded = False

    def load(self) -> None:
        """Read the resource's list endpoint once (a failure here stops the run)."""
        with self._lock:
            if self.loaded:
                return
            try:
                answer = self.client.request("GET", self.resource.path)
            except DokusRecordError as exc:
                raise DokusRunError(
                    f"could not read Dokus {self.resource.name} to match records: {exc.message}; "
                    + self._load_hint(exc)
                ) from None
            records = self._unwrap_list(answer.body)
            duplicates = 0
            for record in sorted(records, key=lambda r: int(r.get("id") or 0)):
                duplicates += not self._remember_locked(record, keep_existing=True)
            self.loaded = True
        if duplicates:
            self.logger.warning(
                "Dokus holds %d %s sharing a match key %s; records update the lowest id",
                duplicates,
                self.resource.name,
                "+".join(self.key_fields),
            )
        self.logger.info("Read %d existing Dokus %s", len(records), self.resource.name)

    def _load_hint(self, exc: DokusRecordError) -> str:
        if exc.status == 403:
            return f"give the Dokus user access to {self.resource.name}"
        if isinstance(exc, DokusUnavailableError) and exc.status is not None:
            return "run again later"
        return "check base_url (or subdomain)"

    def _unwrap_list(self, body: Any) -> list[dict[str, Any]]:
        records = body.get(self.resource.list_key) if isinstance(body, dict) else None
        if not isinstance(records, list):
            raise DokusRunError(
                f"Dokus answered GET {self.resource.path} without a '{self.resource.list_key}' list"
            )
        return [r for r in records if isinstance(r, dict) and r.get("id") is not None]

    def _remember_locked(self, record: dict[str, Any], *, keep_existing: bool = False) -> bool:
        ident = int(record["id"])
        previous = self._by_id.get(ident)
        if previous is not None:
            self._unlink_key_locked(ident, previous)
        self._by_id[ident] = record
        key = match_key(self.key_fields, record)
        if key is None:
            return True
        if keep_existing and key in self._by_key:
            return False
        self._by_key[key] = ident
        return True

    def remember(self, record: dict[str, Any]) -> None:
        """Fold in what Dokus answered to a create or update."""
        with self._lock:
            self._remember_locked(record)

    def forget(self, ident: int) -> None:
        with self._lock:
            record = self._by_id.pop(ident, None)
            if record is not None:
                self._unlink_key_locked(ident, record)

    def _unlink_key_locked(self, ident: int, record: dict[str, Any]) -> None:
        """Drop record's match key from the key map, if the key still points at it."""
        key = match_key(self.key_fields, record)
        if key is not None and self._by_key.get(key) == ident:
            del self._by_key[key]

    def mark_unsure(self, key: MatchKey) -> None:
        """A create for `key` may have happened: the next look-up must ask Dokus (search)."""
        with self._lock:
            self._unsure.add(key)

    def is_unsure(self, key: MatchKey) -> bool:
        with self._lock:
            return key in self._unsure

    def by_id(self, ident: int) -> dict[str, Any] | None:
        with self._lock:
            return self._by_id.get(ident)

    def find(self, field: str, value: str) -> dict[str, Any] | None:
        """The record whose `field` is `value` (a reference by natural key, relations.py).

        By the match key when that is the field, else the lowest id with that value.
        """
        if self.key_fields == (field,):
            return self.by_key((value,))
        with self._lock:
            for ident in sorted(self._by_id):
                held = self._by_id[ident].get(field)
                if held is not None and str(held).strip() == value:
                    return self._by_id[ident]
        return None

    def by_key(self, key: MatchKey) -> dict[str, Any] | None:
        with self._lock:
            ident = self._by_key.get(key)
            return self._by_id.get(ident) if ident is not None else None

    def search(self, key: MatchKey) -> dict[str, Any] | None:
        """Ask Dokus directly (list search criteria) whether a record with `key` exists.

        Used after a create whose answer did not show the record; the criteria are a
        contains-match (and Dokus ignores criteria it does not know), so the exact match is
        checked here. An answer settles an unsure key; a failed search leaves it unsure.
        """
        params = dict(zip(self.key_fields, key, strict=True))
        answer = self.client.request("GET", self.resource.path, params=params)
        matches = [
            r for r in self._unwrap_list(answer.body) if match_key(self.key_fields, r) == key
        ]
        with self._lock:
            self._unsure.discard(key)
            for record in sorted(matches, key=lambda r: int(r["id"])):
                self._remember_locked(record, keep_existing=True)
        return min(matches, key=lambda r: int(r["id"])) if matches else None
