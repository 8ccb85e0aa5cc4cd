"""Decide and carry out what one record means for Dokus: create, update, delete or nothing.

The order of questions: is it a deletion (`_sdc_deleted_at`)? Which Dokus record is it (its
Dokus `id`, else its match key looked up in the index)? Is Dokus already holding exactly this?
Only then is a request sent, so an unchanged re-run sends no writes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from target_dokus.client import DokusClient
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
        return self._update(int(existing["id"]), payload, key)

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
        if self.dry_run:
            return self._would("create", key, payload)
        path = f"{self.resource.path}create/"
        for _ in range(AMBIGUOUS_CREATE_TRIES):
            try:
                answer = self.client.request("POST", path, payload, idempotent=False)
            except DokusAmbiguousError:
                # The create may have happened: look before trying again, never duplicate.
                found = self.index.search(key) if key is not None else None
                if found is None:
                    continue
                if is_unchanged(self.resource, payload, found):
                    return "created"
                return self._update(int(found["id"]), payload, key)
            self._remember(answer.body)
            return "created"
        raise DokusUnavailableError(None, f"create of {self.resource.name} got no usable answer")

    def _update(self, ident: int, payload: dict[str, Any], key: MatchKey | None) -> str:
        if self.dry_run:
            return self._would("update", key, payload)
        answer = self.client.request("POST", f"{self.resource.path}{ident}/", payload)
        self._remember(answer.body)
        return "updated"

    def _remember(self, body: Any) -> None:
        record = body.get(self.resource.single_key) if isinstance(body, dict) else None
        if isinstance(record, dict) and record.get("id") is not None:
            self.index.remember(record)

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
