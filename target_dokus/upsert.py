"""Decide and carry out what one record means for Dokus: create, update, delete or nothing.

The order of questions: is it a deletion (`_sdc_deleted_at`)? Which Dokus record is it (its
Dokus `id`, else its match key looked up in the index)? Is Dokus already holding exactly this?
Only then is a request sent, so an unchanged re-run sends no writes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from target_dokus.client import DokusAnswer, DokusClient
from target_dokus.errors import DokusAmbiguousError, DokusRecordError, DokusUnavailableError
from target_dokus.payload import MatchKey, is_unchanged, match_key, to_payload
from target_dokus.resource_index import DokusResourceIndex

AMBIGUOUS_CREATE_TRIES = 3


class DokusUpserter:
    """Writes records of one resource; safe to call from several lanes at once."""

    def __init__(
        self,
        client: DokusClient,
        index: DokusResourceIndex,
        *,
        hard_delete: bool,
        dry_run: bool,
        logger: logging.Logger,
    ) -> None:
        self.client = client
        self.index = index
        self.resource = index.resource
        self.hard_delete = hard_delete
        self.dry_run = dry_run
        self.logger = logger

    def prepare(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], MatchKey | None]:
        """What Dokus would be sent for `record` and its match key, built once per record."""
        payload = to_payload(self.resource, record)
        return payload, match_key(self.index.key_fields, payload)

    def lane_key(self, record: Mapping[str, Any], key: MatchKey | None) -> tuple[str, ...]:
        """Records that could touch the same Dokus record share a lane (and stay in order)."""
        if key is not None:
            return (self.resource.name, "key", *key)
        return (self.resource.name, "id", str(record.get("id")))

    def write(
        self,
        record: Mapping[str, Any],
        payload: dict[str, Any],
        key: MatchKey | None,
        *,
        deleted: bool,
    ) -> str:
        """Carry out one record; return what happened (an outcome name for the summary)."""
        if deleted:
            return self._delete(record, key)
        existing = self._existing(record, key, required=True)
        if existing is None:
            return self._create(payload, key)
        if is_unchanged(self.resource, payload, existing):
            return "unchanged"
        return self._update(existing, payload, key)

    # ----- finding the Dokus record ---------------------------------------------------------

    def _existing(
        self, record: Mapping[str, Any], key: MatchKey | None, *, required: bool
    ) -> dict[str, Any] | None:
        name = self.resource.name
        ident = record.get("id")
        if ident is not None and not isinstance(ident, bool):
            existing = self.index.by_id(_as_int(ident, name))
            if existing is None:
                if not required:
                    return None
                raise DokusRecordError(404, f"Dokus has no {name} with id {ident}")
            held = match_key(self.index.key_fields, existing)
            if key is not None and held is not None and held != key:
                raise DokusRecordError(
                    None,
                    f"id {ident} is the Dokus {name} with {self._describe(held)}, but the record "
                    f"has {self._describe(key)}; if 'id' is not a Dokus id, drop it with a stream map",
                )
            return existing
        if key is None:
            raise DokusRecordError(
                None,
                f"record has no value for the match key {'+'.join(self.index.key_fields)} of "
                f"{name} (and no Dokus id); fill it or set match_keys.{name}",
            )
        if self.index.is_unsure(key):
            # An earlier create for this key got an answer without the record: ask Dokus.
            return self.index.search(key)
        return self.index.by_key(key)

    def _describe(self, key: MatchKey) -> str:
        return ", ".join(f"{f}={v!r}" for f, v in zip(self.index.key_fields, key, strict=True))

    # ----- writes ---------------------------------------------------------------------------

    def _would(self, action: str, key: MatchKey | None, payload: Mapping[str, Any]) -> str:
        where = self._describe(key) if key else "its id"
        fields = ", ".join(sorted(payload)) or "no fields"
        self.logger.info(
            "dry run: would %s %s (%s) with %s", action, self.resource.name, where, fields
        )
        return f"would_{action}"

    def _create(self, payload: dict[str, Any], key: MatchKey | None) -> str:
        """Create, and never twice for one key: an answer without the record means "maybe".

        A lost connection, an unreadable body, a 200 with no body or a body without the
        record: the create may have happened, and the index cannot learn the new id. The key
        is marked unsure and Dokus is searched before anything else is done for that key.
        """
        if self.dry_run:
            return self._would("create", key, payload)
        assert key is not None  # _existing refuses records without a key or an id
        path = f"{self.resource.path}create/"
        for _ in range(AMBIGUOUS_CREATE_TRIES):
            try:
                answer: DokusAnswer | None = self.client.request(
                    "POST", path, payload, idempotent=False
                )
            except DokusAmbiguousError:
                answer = None
            created = self._held_record(answer.body, key) if answer is not None else None
            if created is not None:
                self.index.remember(created)
                return "created"
            self.index.mark_unsure(key)
            found = self.index.search(key)
            if found is not None:
                if is_unchanged(self.resource, payload, found):
                    return "created"
                return self._update(found, payload, key)
            if answer is not None:  # Dokus said "saved" yet shows no such record
                self.index.mark_unsure(key)
                raise DokusRecordError(
                    answer.status,
                    f"Dokus answered the create of {self.resource.name} ({self._describe(key)}) "
                    f"with HTTP {answer.status} but without the {self.resource.single_key}, and "
                    f"a search by {'+'.join(self.index.key_fields)} does not find it; check "
                    "Dokus for it before replaying this record",
                )
        raise DokusUnavailableError(None, f"create of {self.resource.name} got no usable answer")

    def _update(
        self, existing: dict[str, Any], payload: dict[str, Any], key: MatchKey | None
    ) -> str:
        if self.dry_run:
            return self._would("update", key, payload)
        ident = int(existing["id"])
        answer = self.client.request("POST", f"{self.resource.path}{ident}/", payload)
        # An answer without the record: Dokus holds what it held plus what was sent.
        held = self._held_record(answer.body, None)
        self.index.remember(held if held is not None else {**existing, **payload, "id": ident})
        return "updated"

    def _held_record(self, body: Any, key: MatchKey | None) -> dict[str, Any] | None:
        """The written record if the answer holds it (wrapped, or bare with an id), else None.

        A record whose match key differs from the one sent is not the one written.
        """
        if not isinstance(body, dict):
            return None
        record = body.get(self.resource.single_key, body)
        if not isinstance(record, dict) or record.get("id") is None:
            return None
        if key is not None and match_key(self.index.key_fields, record) != key:
            return None
        return record

    def _delete(self, record: Mapping[str, Any], key: MatchKey | None) -> str:
        if not self.hard_delete:
            return "delete_skipped"
        existing = self._existing(record, key, required=False)
        if existing is None:
            return "already_gone"
        ident = int(existing["id"])
        if self.dry_run:
            return self._would("delete", key, {})
        try:
            self.client.request("POST", f"{self.resource.path}{ident}/delete/")
        except DokusRecordError as exc:
            if exc.status != 404 or isinstance(exc, DokusUnavailableError):
                raise
            self.index.forget(ident)
            return "already_gone"
        self.index.forget(ident)
        return "deleted"


def _as_int(value: Any, resource: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise DokusRecordError(None, f"'id' {value!r} is not a Dokus {resource} id") from None
