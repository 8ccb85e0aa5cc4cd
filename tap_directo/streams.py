"""The Directo streams: one class per resource row (made from the table), plus line streams.

Resource streams are incremental on `ts` (bookmarks.py) and read Directo through the run's
DirectoApi (api.py), given at construction. `order_rows`/`invoice_rows` are singer-sdk child
streams fed from the lines of the parent's records, in batches (lines.py), so they cost no HTTP
request and no extra SCHEMA/STATE message per document. Fields the schema does not know are
kept in the records (conformance level NONE passes them through) and logged once per stream;
`infer_schema` adds them to the schema with their types.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import requests
from singer_sdk import Tap
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE
from singer_sdk.streams import Stream

from connector_common.http import HttpClient
from connector_common.stream_report import ReportedStreamMixin
from tap_directo.api import DirectoApi
from tap_directo.bookmarks import ResponseMark, SyncBookmark, format_ts, parse_ts
from tap_directo.client import body_of
from tap_directo.conform import Shape, key_types, text_datafields
from tap_directo.customer_fields import DOCUMENT_RESOURCES, CustomerLookup, chosen_fields
from tap_directo.filters import build_filter_params
from tap_directo.keys import (
    MISSING_KEY_PART,
    MissingKeyError,
    missing_key_message,
    primary_keys_for,
)
from tap_directo.lines import LineHandoff
from tap_directo.message_writer import BufferedRecordsWriter
from tap_directo.parsing import parse_json_records, parse_xml_records
from tap_directo.record_messages import ExactRecordMessages
from tap_directo.resources import RESOURCES_BY_NAME, ROW_FIELDS, Resource, field_types
from tap_directo.schemas import line_properties, scalar_types

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


def date_windows(
    anchor: datetime, now: datetime, days: int
) -> list[tuple[datetime | None, datetime | None]]:
    """Contiguous `date` ranges: open before anchor+days, one per `days`, open after now.

    Open ends keep documents dated before the anchor or in the future in the sync.
    """
    step = timedelta(days=days)
    edges: list[datetime] = []
    edge = anchor + step
    while edge < now:
        edges.append(edge)
        edge += step
    bounds: list[datetime | None] = [None, *edges, None]
    return list(itertools.pairwise(bounds))


def _ignore(mark: ResponseMark) -> None:
    """Deletions do not move the bookmark (see bookmarks.py)."""


def _date_filter_text(moment: datetime) -> str:
    """A moment as the `date` filter takes it: UTC to the second, no zone (directo-api.md)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


class UnknownFieldLog:
    """Logs each field the schema does not know, once per stream."""

    def __init__(self, stream: Stream, known: Iterable[str]) -> None:
        self.stream = stream
        self.known = frozenset(known)
        self.reported: set[str] = set()

    def check(self, record: dict[str, Any], where: str = "") -> None:
        unknown = record.keys() - self.known
        if unknown and not unknown <= self.reported:
            new = sorted(unknown - self.reported)
            self.reported.update(new)
            self.stream.log(
                "Stream '%s' met field(s) not in its schema%s: %s. They are kept in the "
                "records; set `infer_schema: true` to type them in the schema.",
                self.stream.name,
                where,
                ", ".join(new),
                level=logging.WARNING,
            )


class DirectoStream(ReportedStreamMixin, ExactRecordMessages, Stream):
    """Reads Directo for one resource stream: one GET per request, its body parsed as it
    streams in, through the run's DirectoApi (client.py says what each answer means)."""

    resource: ClassVar[Resource]

    def __init__(
        self, tap: Tap, schema: dict[str, Any], api: DirectoApi, writer: BufferedRecordsWriter
    ) -> None:
        super().__init__(tap=tap, name=self.resource.name, schema=schema)
        self.api = api
        self.record_writer = writer

    @property
    def xml(self) -> bool:
        return self.api.xml

    @cached_property
    def client(self) -> HttpClient:
        return self.api.client(self.name, self.logger)

    def parse_body(
        self, response: requests.Response, resource: Resource
    ) -> Iterator[dict[str, Any]]:
        """Stream the records out of the body as it arrives (JSON or XML)."""
        raw = body_of(response)
        if self.xml:
            types, row_types = (
                self.xml_types if resource is self.resource else (field_types(resource), ROW_FIELDS)
            )
            return parse_xml_records(raw, resource.name, resource.element, types, row_types)
        return parse_json_records(raw)

    @cached_property
    def xml_types(self) -> tuple[dict[str, str], dict[str, str]]:
        """Field and line-field types of this stream's schema (catalog included), so XML
        strings become the numbers JSON mode gives."""
        props = self.effective_schema.get("properties", {})
        row_props = line_properties(props)
        for child in self.child_streams:
            row_props.update(child.effective_schema.get("properties", {}))
        return scalar_types(props), scalar_types(row_props)

    def fetch(
        self,
        resource: Resource,
        params: list[tuple[str, str]],
        completed: Callable[[ResponseMark], None],
    ) -> Iterator[dict[str, Any]]:
        """Records of one GET, retried as a whole; `completed` gets the mark of the response
        that was read to the end (its time and largest ts)."""

        def read(response: requests.Response) -> Iterator[dict[str, Any]]:
            # when this try was sent (the bookmark's fallback when the answer has no Date)
            fresh = ResponseMark(time.time() - response.elapsed.total_seconds())
            fresh.started(response)
            for record in self.parse_body(response, resource):
                fresh.seen(record.get("ts"))
                yield record
            completed(fresh)

        request = self.api.get(resource.name, params)
        return self.client.stream(request, read, report=self.report, what=resource.name)


class ResourceStream(DirectoStream):
    """One Directo resource, incremental on `ts`; subclasses set `resource` (see build)."""

    replication_key = "ts"
    is_sorted = False
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(
        self,
        tap: Tap,
        schema: dict[str, Any],
        api: DirectoApi,
        writer: BufferedRecordsWriter,
        lines: LineHandoff | None = None,
    ) -> None:
        super().__init__(tap, schema, api, writer)
        self.primary_keys = primary_keys_for(self.resource, self.config.get("primary_keys"))
        self.lines = lines  # orders and invoices: where their line stream reads the lines
        self._as_object = bool(self.config.get("datafields_as_object"))
        self._json = not self.xml
        self._query: list[tuple[str, str]] = []  # this sync's filters and ts (no windows)

    @property
    def emit_activate_version_messages(self) -> bool:
        """ACTIVATE_VERSION tells the loader the table is complete (target-postgres then
        deletes every other row): only a read of the whole table, with no `start_date`,
        bookmark or filter, may say so (singer-sdk sends it for FULL_TABLE only)."""
        whole = not self.config.get("start_date") and not (
            (self.config.get("filters") or {}).get(self.name)
        )
        return whole and super().emit_activate_version_messages

    # -- keys: from the catalog (or `primary_keys`); every record must carry them ---------
    @cached_property
    def _key_parts(self) -> tuple[tuple[str, bool], ...]:
        """(key, may be filled with MISSING_KEY_PART) for each primary-key field."""
        optional = self.resource.optional_keys
        return tuple((key, key in optional) for key in self.primary_keys)

    def _complete_key(self, record: dict[str, Any], what: str = "a record") -> dict[str, Any]:
        for key, optional in self._key_parts:
            if record.get(key) is None:
                if not optional:
                    raise MissingKeyError(missing_key_message(self.name, key, record, what=what))
                record[key] = MISSING_KEY_PART
        return record

    @cached_property
    def _shape(self) -> Shape:
        """Fields in their schema's types and order (conform.py); XML asks JSON for the types
        of fields outside the schema."""
        return Shape(
            self.effective_schema.get("properties", {}),
            json=not self.xml,
            on_unknown=self._unknown.check,
            extra_types=lambda: self._json_types_of_extra_fields[0],
        )

    @cached_property
    def _line_shape(self) -> Shape:
        return Shape(
            line_properties(self.effective_schema.get("properties", {})),
            json=not self.xml,
            on_unknown=lambda line: self._unknown_in_rows.check(line, " (in rows)"),
            extra_types=lambda: self._json_types_of_extra_fields[1],
        )

    @cached_property
    def _json_types_of_extra_fields(self) -> tuple[dict[str, str], dict[str, str]]:
        """The JSON types of fields outside the schema (records, lines), from the JSON answer
        to this sync's query (date windows left out: one request covers them all)."""
        self.log(
            "Stream '%s' (XML) carries fields outside its schema: reading the JSON answer once "
            "to type them as JSON does (`infer_schema: true` types them at discovery instead)",
            self.name,
        )
        sample = self.api.sample(self.resource, self._query, logger=self.logger, max_records=None)
        return ({}, {}) if sample is None else (sample.fields, sample.row_fields)

    @cached_property
    def _key_types(self) -> Callable[[dict[str, Any]], None]:
        return key_types(self.effective_schema.get("properties", {}), list(self.primary_keys))

    @cached_property
    def _tombstone(self) -> dict[str, None]:
        """Every schema property, null: deletions then pass through ordinary stream maps."""
        props = self.effective_schema.get("properties", {})
        return dict.fromkeys(k for k in props if k != "_sdc_deleted_at")

    # -- state: one bookmark, written once the whole sync succeeded (bookmarks.py) --------
    def get_replication_key_signpost(self, context: Context | None = None) -> None:
        return None

    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        """No per-record bookmark: an unfinished response must not move it."""

    def _save_bookmark(self, context: Context | None, value: datetime | None) -> None:
        if value is None:
            return
        state = self.get_context_state(context)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = format_ts(value)

    # -- requests --------------------------------------------------------------------------
    def _ts_params(self, start: datetime | None) -> list[tuple[str, str]]:
        return [("ts", f">={format_ts(start)}")] if start else []

    def request_params(self, start: datetime | None) -> list[list[tuple[str, str]]]:
        """Query parameters of each request of one sync (several with date windows)."""
        filters = (self.config.get("filters") or {}).get(self.name)
        base = build_filter_params(filters) + self._ts_params(start)
        self._query = base
        days = self.config.get("date_window_days")
        if not (self.resource.windowed and days):
            return [base]
        now = datetime.now(timezone.utc)
        anchor = start or (now - timedelta(days=365))
        requests = []
        for low, high in date_windows(anchor, now, int(days)):
            window = [("date", f">={_date_filter_text(low)}")] if low else []
            window += [("date", f"<{_date_filter_text(high)}")] if high else []
            requests.append(base + window)
        return requests

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        if self.replication_method == REPLICATION_FULL_TABLE:  # forced in the catalog
            start = parse_ts(self.config.get("start_date"))  # the whole table, no bookmark
        else:
            start = self.get_starting_timestamp(context)
        bookmark = SyncBookmark(start, float(self.config.get("bookmark_overlap_seconds", 300)))
        for params in self.request_params(start):
            yield from self.fetch(self.resource, params, bookmark.completed)
        if self.config.get("emit_deleted_records") and self.name != "deleted":
            yield from self._deletions(start)
        if self.lines is not None:
            self.lines.hand_over(self.child_streams)  # the last, partial batch
        self._save_bookmark(context, bookmark.value())

    def _deletions(self, start: datetime | None) -> Iterator[dict[str, Any]]:
        """This resource's deletions, as records: every schema property null (so ordinary
        stream maps run on them), the key, `ts` and `_sdc_deleted_at` (the deletion's time).

        Read after the records, so their bookmark (capped at the first response) covers them.
        """
        params = [("resource_type", self.name), *self._ts_params(start)]
        for deletion in self.fetch(RESOURCES_BY_NAME["deleted"], params, _ignore):
            record: dict[str, Any] = dict(self._tombstone)
            for key in self.primary_keys:
                record[key] = deletion.get(key)
            self._key_types(record)
            if "ts" in record:  # the record's last change is its deletion
                record["ts"] = deletion.get("ts")
            record["_sdc_deleted_at"] = deletion.get("ts") or format_ts(datetime.now(timezone.utc))
            what = f"a deletion (`deleted` id {deletion.get('id')})"
            self._complete_key(record, what)
            yield record

    @cached_property
    def _customer_lookup(self) -> CustomerLookup | None:
        """`document_customer_fields` on orders and invoices (customer_fields.py)."""
        fields = chosen_fields(self.config)
        if not fields or self.name not in DOCUMENT_RESOURCES:
            return None
        return CustomerLookup(
            fields, lambda: self.fetch(RESOURCES_BY_NAME["customers"], [], _ignore)
        )

    @cached_property
    def _unknown(self) -> UnknownFieldLog:  # from the catalog's schema when one was given
        return UnknownFieldLog(self, self.effective_schema.get("properties", {}))

    @cached_property
    def _unknown_codes(self) -> UnknownFieldLog:
        """Codes not among `datafields`' properties: flattening loaders would drop them."""
        props = self.effective_schema.get("properties", {})
        return UnknownFieldLog(self, (props.get("datafields") or {}).get("properties", {}))

    @cached_property
    def _unknown_in_rows(self) -> UnknownFieldLog:
        return UnknownFieldLog(self, line_properties(self.effective_schema.get("properties", {})))

    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        if "_sdc_deleted_at" in row:
            return row  # a deletion (_deletions): typed and complete already
        row = self._shape(self._complete_key(row))  # nulls dropped, types, order
        if self._customer_lookup is not None:
            self._customer_lookup.add_to(row)
        lines = row.get("rows")
        if lines.__class__ is list:
            shape = self._line_shape
            row["rows"] = [shape(line) if line.__class__ is dict else line for line in lines]
        data = row.get("datafields")
        if data.__class__ is list:
            if self._json:
                text_datafields(data)
            if self._as_object:
                row["datafields"] = {str(d.get("code") or ""): d.get("content") for d in data}
                self._unknown_codes.check(row["datafields"], " (datafield codes)")
        return row

    # -- line streams (lines.py) -----------------------------------------------------------
    @cached_property
    def _rows_wanted(self) -> bool:
        return any(c.selected or c.has_selected_descendents for c in self.child_streams)

    def generate_child_contexts(
        self, record: dict[str, Any], context: Context | None
    ) -> Iterable[Context | None]:
        """Collect the lines; every ROW_BATCH documents the line stream syncs them.

        Yields nothing: singer-sdk would otherwise sync a child once per document.
        """
        rows = record.get("rows")
        lines = self.lines
        if rows and lines and self._rows_wanted and self.stream_maps[0].get_filter_result(record):
            full = lines.add({k: record.get(k) for k in self.primary_keys}, rows)
            if full:
                lines.hand_over(self.child_streams)
        return ()


class RowsStream(ReportedStreamMixin, ExactRecordMessages, Stream):
    """Lines of orders or invoices: the parent's key plus the line fields, keyed by row_no."""

    parent_resource: ClassVar[Resource]
    state_partitioning_keys: ClassVar[list[str]] = []  # one state, not one per document
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(
        self, tap: Tap, schema: dict[str, Any], lines: LineHandoff, writer: BufferedRecordsWriter
    ) -> None:
        super().__init__(tap=tap, name=self.parent_resource.rows_stream, schema=schema)
        self.lines = lines  # filled by the parent stream (lines.py)
        self.record_writer = writer
        parent_keys = primary_keys_for(self.parent_resource, self.config.get("primary_keys"))
        self.primary_keys = [*parent_keys, "row_no"]

    @property
    def emit_activate_version_messages(self) -> bool:
        """Never: a line stream carries only the lines of the documents read this run, so
        telling the loader the table is complete (ACTIVATE_VERSION) would delete the rest."""
        return False

    @cached_property
    def _unknown(self) -> UnknownFieldLog:
        return UnknownFieldLog(self, self.effective_schema.get("properties", {}))

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        for parent_key, rows in self.lines.take(context):
            for position, row in enumerate(rows, 1):
                record = {**parent_key, **row}
                if record.get("row_no") is None:
                    record["row_no"] = position  # the line's position when Directo sends none
                self._unknown.check(record)
                yield record


def build_stream_classes() -> tuple[dict[str, type[ResourceStream]], dict[str, type[RowsStream]]]:
    """One ResourceStream subclass per resource; one RowsStream per document resource, by the
    name of that resource (its line stream).

    singer-sdk links children to parents by class, so each resource needs its own class.
    """
    classes: dict[str, type[ResourceStream]] = {}
    line_classes: dict[str, type[RowsStream]] = {}
    for resource in RESOURCES_BY_NAME.values():
        title = resource.name.title().replace("_", "")
        parent = type(f"{title}Stream", (ResourceStream,), {"resource": resource})
        classes[resource.name] = parent
        if resource.rows_stream:
            line_classes[resource.name] = type(
                f"{title}RowsStream",
                (RowsStream,),
                {"parent_resource": resource, "parent_stream_type": parent},
            )
    return classes, line_classes


STREAM_CLASSES, LINE_STREAM_CLASSES = build_stream_classes()
