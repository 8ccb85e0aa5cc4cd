"""Draft invoices, and the sent invoices they become: what a record may still change.

A draft is sent with `POST /invoices/ID/send/`; it then moves to `/invoices/sent/` and is final
(read-only; a correction is a credit note). So the invoice index also reads the sent invoices:
a record whose `sender_ref` was already sent never makes a new draft. Re-sent unchanged (same
recipient and lines) it is left alone; changed, or deleted, it is refused with a reason that
says so. With `send_invoices`, each draft this target creates is sent right away.

What an update does to a draft's lines is not documented (replaced, added to, or kept), so after
an update that changes lines the draft is read back; if it does not hold exactly the lines
sent, the draft is replaced: deleted and created again with the same sender_ref.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from target_dokus.client import DokusClient
from target_dokus.errors import DokusRecordError
from target_dokus.invoice_lines import same_lines
from target_dokus.payload import MatchKey, relation_id
from target_dokus.resource_index import DokusResourceIndex
from target_dokus.upsert import DokusUpserter

# What the vendor's client sends to /send/: Dokus e-mails the invoice to recipient_email.
SEND_BODY = {"send_by_email": True, "send_by_post": False}
# What a sent invoice is: who pays for what. Fields Dokus may set itself when sending
# (send_date, due_days ...) do not make a record "changed".
FINAL_FIELDS = ("recipient", "items")


def already_sent(ref: str, sent: Mapping[str, Any]) -> str:
    number = sent.get("invoice_number") or sent.get("id") or "?"
    return f"invoice {ref} was already sent as Dokus invoice {number}; changes need a credit note"


class InvoiceUpserter(DokusUpserter):
    """DokusUpserter for drafts that consults sent invoices first, and may send new drafts."""

    def __init__(
        self,
        client: DokusClient,
        index: DokusResourceIndex,
        sent_index: DokusResourceIndex,
        *,
        hard_delete: bool,
        dry_run: bool,
        send: bool,
        logger: logging.Logger,
    ) -> None:
        super().__init__(client, index, hard_delete=hard_delete, dry_run=dry_run, logger=logger)
        self.sent_index = sent_index
        self.send = send
        self._sent_now: dict[MatchKey, dict[str, Any]] = {}  # sent by this run

    def _sent(self, key: MatchKey | None) -> dict[str, Any] | None:
        if key is None:
            return None
        return self._sent_now.get(key) or self.sent_index.by_key(key)

    def write(
        self,
        record: Mapping[str, Any],
        payload: dict[str, Any],
        key: MatchKey | None,
        *,
        deleted: bool,
    ) -> str:
        sent = self._sent(key)
        if sent is not None and key is not None:  # final, whatever drafts share its key
            if deleted and not self.hard_delete:
                return "delete_skipped"
            if not deleted and self._same_as_sent(payload, sent):
                return "unchanged"
            ref = record.get("sender_ref") or "+".join(key)
            raise DokusRecordError(None, already_sent(str(ref), sent))
        outcome = super().write(record, payload, key, deleted=deleted)
        if outcome == "created" and self.send and key is not None:
            return self._send_new_draft(key)
        return outcome

    def _update(
        self, existing: dict[str, Any], payload: dict[str, Any], key: MatchKey | None
    ) -> str:
        outcome = super()._update(existing, payload, key)
        if outcome != "updated" or "items" not in payload:
            return outcome
        if same_lines(payload["items"], existing.get("items")):
            return outcome
        ident = int(existing["id"])
        answer = self.client.request("GET", f"{self.resource.path}{ident}/")
        draft = answer.body.get(self.resource.single_key) if isinstance(answer.body, dict) else None
        if isinstance(draft, dict) and same_lines(payload["items"], draft.get("items")):
            self.index.remember(draft)
            return outcome
        # Dokus kept other lines than those sent: a draft is not final, so make it anew.
        self.client.request("POST", f"{self.resource.path}{ident}/delete/")
        self.index.forget(ident)
        return "replaced" if self._create(payload, key) == "created" else "updated"

    @staticmethod
    def _same_as_sent(payload: Mapping[str, Any], sent: Mapping[str, Any]) -> bool:
        for name in FINAL_FIELDS:
            if name not in payload:
                continue
            if name == "items":
                if not same_lines(payload[name], sent.get(name)):
                    return False
            elif str(relation_id(payload[name])) != str(relation_id(sent.get(name))):
                return False
        return True

    def _send_new_draft(self, key: MatchKey) -> str:
        draft = self.index.by_key(key)
        if draft is None:  # created, but the answer did not show it: leave it as a draft
            raise DokusRecordError(
                None, f"draft invoice {'+'.join(key)} was created but not sent (its id is unknown)"
            )
        ident = int(draft["id"])
        try:
            answer = self.client.request("POST", f"{self.resource.path}{ident}/send/", SEND_BODY)
        except DokusRecordError as exc:
            raise DokusRecordError(
                exc.status,
                f"draft invoice {'+'.join(key)} (Dokus draft {ident}) was created but not sent: "
                f"{exc.message}; send it in Dokus",
            ) from None
        body = answer.body.get("sent_invoice") if isinstance(answer.body, dict) else None
        self.index.forget(ident)
        if isinstance(body, dict) and body.get("id") is not None:
            self.sent_index.remember(body)
        else:  # Dokus did not show the sent invoice: what was sent is known all the same
            self._sent_now[key] = {**draft, "invoice_number": None}
        return "created_and_sent"
