"""References by natural key: a record names a related Dokus record by a value it holds.

No source system knows Dokus ids, so `references` lets a relation field carry another key of
the related record, e.g. an invoice's `recipient` holds the customer's e-mail:

    references: {"invoices": {"recipient": {"by": "email", "named_by": "customer_code"}}}

The value is looked up in the related resource's index (read from Dokus once per run, and kept
up to date with the records this run writes), so the link lives in Dokus itself: it holds on a
second run, weeks later, and on another machine. A reference that finds nothing is not refused
at once: the related record may still be on its way in this run (in flight, or later in the
input); the record waits, and only a reference still unresolved when the input has ended is
refused, with a reason naming the reference. `named_by` lists record fields (not sent to Dokus)
that say in that reason which source record it was, e.g. the Directo customer code.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from target_dokus.resource_index import DokusResourceIndex
from target_dokus.resources import RESOURCES

# Relation fields that point at a resource with an index (VAT classes and countries have none).
RELATED: Mapping[str, Mapping[str, str]] = {"invoices": {"recipient": "customers"}}


@dataclass(frozen=True)
class Reference:
    """`field` of `resource` records holds the `by` value of a `related` record."""

    resource: str
    field: str
    related: str
    by: str
    named_by: tuple[str, ...] = ()


def references_for(config: Mapping[str, Any], resource: str) -> list[Reference]:
    """The configured references of one resource (config_problems has vetted them)."""
    found = []
    for field, spec in ((config.get("references") or {}).get(resource) or {}).items():
        by, named_by = (spec, []) if isinstance(spec, str) else (spec["by"], spec.get("named_by"))
        names = [named_by] if isinstance(named_by, str) else list(named_by or [])
        found.append(Reference(resource, field, RELATED[resource][field], by, tuple(names)))
    return found


def reference_problems(config: Mapping[str, Any]) -> list[str]:
    """One line per invalid `references` entry."""
    problems: list[str] = []
    references = config.get("references") or {}
    if not isinstance(references, dict):
        return ['references: give an object, e.g. {"invoices": {"recipient": "email"}}']
    for resource, fields in references.items():
        if not isinstance(fields, dict):
            problems.append(f'references.{resource}: give an object, e.g. {{"recipient": "email"}}')
            continue
        if resource not in RELATED:
            problems.append(
                f"references.{resource}: only {', '.join(RELATED)} records can reference "
                "another record by natural key"
            )
            continue
        for field, spec in fields.items():
            where = f"references.{resource}.{field}"
            related = RELATED[resource].get(field)
            if related is None:
                problems.append(
                    f"{where}: not a reference field; use {', '.join(RELATED[resource])}"
                )
                continue
            by = (
                spec
                if isinstance(spec, str)
                else spec.get("by")
                if isinstance(spec, dict)
                else None
            )
            choices = ", ".join(RESOURCES[related].fields)
            if not isinstance(by, str) or by not in RESOURCES[related].fields:
                problems.append(
                    f'{where}: give the {related} field it holds, e.g. "email" or '
                    f'{{"by": "email", "named_by": "customer_code"}}; fields: {choices}'
                )
    return problems


def _describe(value: Any) -> str:
    return repr(str(value).strip())


class Unresolved(Exception):
    """The reference found no record (yet); `final` when it never can (no value given)."""

    def __init__(self, reason: str, *, final: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final


class ReferenceResolver:
    """Turns a record's natural-key references into Dokus ids, through the related indexes."""

    def __init__(self, references: list[Reference], indexes: Mapping[str, DokusResourceIndex]):
        self.references = references
        self.indexes = indexes

    @property
    def related_resources(self) -> set[str]:
        return {r.related for r in self.references}

    def resolve(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record with each reference replaced by the Dokus id; raises Unresolved."""
        resolved = dict(record)
        for ref in self.references:
            value = record.get(ref.field)
            if isinstance(value, dict) and value.get("id") is not None:
                continue  # already a Dokus relation in full form
            if value is None or str(value).strip() == "":
                raise Unresolved(
                    f"{ref.field}: the record gives no {ref.by} to find its Dokus "
                    f"{RESOURCES[ref.related].single_key} by{self._named(ref, record)}",
                    final=True,
                )
            found = self.indexes[ref.related].find(ref.by, str(value).strip())
            if found is None:
                raise Unresolved(
                    f"{ref.field}: no Dokus {RESOURCES[ref.related].single_key} has "
                    f"{ref.by}={_describe(value)}{self._named(ref, record)}, neither in Dokus "
                    f"nor among this run's {ref.related} records",
                    final=False,
                )
            # full form: a replayed dead letter counts it as resolved (Dokus uses only the id)
            resolved[ref.field] = {"id": int(found["id"]), ref.by: str(value).strip()}
        return resolved

    @staticmethod
    def _named(ref: Reference, record: Mapping[str, Any]) -> str:
        named = [f"{n}={_describe(record[n])}" for n in ref.named_by if record.get(n) is not None]
        return f" ({', '.join(named)})" if named else ""


# (record, deleted_at, the state gate's number for it, refusal reason or None)
Submit = Callable[[dict[str, Any], Any, int, "str | None"], None]
RETRY_EVERY = 200  # records read between looks at the waiting ones (no waiting for writes)


class ReferenceQueue:
    """Records of one stream whose references wait for their related record, in input order.

    A record goes to Dokus once its references resolve. One that does not resolve waits, and
    so does every later record for the same Dokus record (its lane), so they keep their order.
    Waiting records are looked at again every RETRY_EVERY records and at each drain; at the
    drain after the input ended, the run's writes of the related resources are awaited first,
    and what still does not resolve is refused. Until then the state gate holds every STATE
    read after a waiting record, so state never moves past it.
    """

    def __init__(
        self,
        resolver: ReferenceResolver,
        submit: Submit,
        lane_of: Callable[[dict[str, Any]], Hashable],
        settle: Callable[[Iterable[str]], None],
        *,
        dry_run: bool = False,
    ) -> None:
        self.resolver = resolver
        self.dry_run = dry_run  # related records "would be created": nothing to refuse
        self._submit = submit
        self._lane_of = lane_of
        self._settle = settle
        self._waiting: list[tuple[dict[str, Any], Any, int, Hashable]] = []
        self._waiting_lanes: set[Hashable] = set()
        self._read = 0

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, record: dict[str, Any], deleted_at: Any, number: int) -> None:
        lane = self._lane_of(record)
        if lane in self._waiting_lanes or not self._offer(record, deleted_at, number, final=False):
            self._waiting.append((record, deleted_at, number, lane))
            self._waiting_lanes.add(lane)
        self._read += 1
        if self._waiting and self._read % RETRY_EVERY == 0:
            self.retry(final=False)

    def _offer(self, record: dict[str, Any], deleted_at: Any, number: int, *, final: bool) -> bool:
        """Submit the record if it can go now (resolved, refused, or a deletion)."""
        if deleted_at is not None:  # a deletion names its record by key only
            self._submit(record, deleted_at, number, None)
            return True
        try:
            resolved = self.resolver.resolve(record)
        except Unresolved as exc:
            if not (exc.final or final):
                return False
            if self.dry_run and not exc.final:  # a dry run created nothing it could find
                self._submit(record, None, number, None)
                return True
            self._submit(record, None, number, exc.reason)
            return True
        self._submit(resolved, None, number, None)
        return True

    def retry(self, *, final: bool) -> None:
        """Send what resolves now; `final`: wait for the related writes, refuse the rest."""
        if not self._waiting:
            return
        if final:
            self._settle(self.resolver.related_resources)
        still: list[tuple[dict[str, Any], Any, int, Hashable]] = []
        blocked: set[Hashable] = set()
        for item in self._waiting:
            record, deleted_at, number, lane = item
            if lane in blocked or not self._offer(record, deleted_at, number, final=final):
                still.append(item)
                blocked.add(lane)
        self._waiting, self._waiting_lanes = still, blocked
