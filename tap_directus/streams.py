"""One stream class for every Directus table: the table is data (name, keys, schema).

Rows of every status are read (`preview=1`: without it a real Directus 6 returns only the
published ones). Relations are read at depth 0 (raw ids, one query per page) unless a setting
needs the nested rows. Values are coerced to the schema: numbers served as strings, nested or
flat MANYTOONE values, date-times with or without the user's offset (emitted as UTC instants).
Each page goes through the run's HttpClient (client.py), singer-sdk's own retry loop is off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import requests
from singer_sdk import RESTStream, Tap
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers.types import Context, RequestFunc
from singer_sdk.pagination import BaseAPIPaginator
from singer_sdk.singerlib import Catalog

from connector_common.stream_report import ReportedStreamMixin
from tap_directus.api import DirectusApi
from tap_directus.catalog import StreamDefinition
from tap_directus.client import DirectusAuth, parse_body
from tap_directus.coercion import coerce, to_directus_datetime, to_instant, to_iso_datetime
from tap_directus.discovery import DELETED_STATUS, SECRET_COLUMNS, SOFT_DELETE_FIELD, secret_columns
from tap_directus.key_scan import STATE_KEY as KEY_SCAN_STATE
from tap_directus.key_scan import decode_keys, encode_keys, scan_keys, vanished
from tap_directus.paging import KeysetCursor, PagingError, param_text, sort_key
from tap_directus.system_secrets import scrub

ZERO_INSTANT = dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc)  # a zero date, before all others
ZERO_DATETIME = "0000-00-00 00:00:00"
ALL_SECRET_COLUMNS = {name for names in SECRET_COLUMNS.values() for name in names}


def related_id(value: Any) -> Any:
    """A MANYTOONE value, nested (`{"meta", "data"}` or a plain object) or flat, as its id."""
    if isinstance(value, dict):
        inner = value.get("data", value) if "meta" in value else value
        if isinstance(inner, dict):
            return inner.get("id", next(iter(inner.values()), None))
        return inner
    return value


def nested_object(value: Any) -> dict[str, Any] | None:
    """A MANYTOONE value as the related row (keep_nested_relations)."""
    if value is None or value == []:
        return None
    if isinstance(value, dict):
        inner = value.get("data") if "meta" in value else value
        return inner if isinstance(inner, dict) else {"id": inner}
    return {"id": value}


def related_ids(value: Any) -> list[Any] | None:
    """An ALIAS value (nested collection or list) as the related rows' ids."""
    if value is None:
        return None
    items = value.get("data", []) if isinstance(value, dict) else value
    if not isinstance(items, list):
        return None
    ids = [related_id(item) for item in items]
    return [int(i) if isinstance(i, str) and i.lstrip("-").isdigit() else i for i in ids]


class CursorPaginator(BaseAPIPaginator[int]):
    """Pages until the keyset cursor is done; an all-skipped page is not the end."""

    def __init__(self, cursor: KeysetCursor) -> None:
        super().__init__(start_value=0)
        self.cursor = cursor

    def get_next(self, response: requests.Response) -> int | None:
        return None if self.cursor.done else self.cursor.requests

    def continue_if_empty(self, response: requests.Response) -> bool:
        return not self.cursor.done


class DirectusTableStream(ReportedStreamMixin, RESTStream[int]):
    """Rows of one Directus table."""

    _LOG_REQUEST_METRIC_URLS = False

    def __init__(self, tap: Tap, api: DirectusApi, definition: StreamDefinition) -> None:
        self.api = api
        self.status_column = definition.status_column
        self.user_filters = definition.user_filters
        self.nested_secrets = definition.nested_secrets
        self.secret_columns = set(secret_columns(definition.name))
        self._cursor: KeysetCursor | None = None
        self._ignored_columns: set[str] = set()
        name = definition.name
        super().__init__(tap, name=name, schema=definition.schema, path=f"/tables/{name}/rows")
        self.primary_keys = [definition.primary_key]
        self._paging_key = definition.primary_key
        self.replication_key = definition.replication_key

    def apply_catalog(self, catalog: Catalog) -> None:
        """As singer-sdk, but a catalog stream without key_properties keeps the key the tap pages
        on (was a crash), and a `forced-replication-method` in the metadata wins over the entry's
        `replication_method` (which discovery wrote): Meltano's `metadata` extra can set only
        the former, and a full-refresh job forces FULL_TABLE that way."""
        super().apply_catalog(catalog)
        if not self.primary_keys:
            self.primary_keys = [self._paging_key]
        entry = catalog.get_stream(self.name)
        metadata = entry.metadata.get(()) if entry else None
        forced = getattr(metadata, "forced_replication_method", None)
        if forced:
            self.forced_replication_method = forced

    @property
    def url_base(self) -> str:
        return self.api.api_url

    @property
    def authenticator(self) -> DirectusAuth:
        return self.api.auth

    @property
    def requests_session(self) -> requests.Session:
        return self.api.http.session

    @property
    def is_sorted(self) -> bool:
        return self.incremental

    @property
    def incremental(self) -> bool:
        return bool(self.replication_key) and self.replication_method == "INCREMENTAL"

    @property
    def depth(self) -> int:
        """Nested rows only when a setting needs them: depth 0 is the lighter query."""
        props = self.schema.get("properties", {})
        wants_nested = any(
            "object" in p.get("type", []) or "array" in p.get("type", []) for p in props.values()
        )
        return 1 if wants_nested else 0

    # ------------------------------------------------------------------ requests
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """No singer-sdk retries: the run's HttpClient retries every request (one policy)."""
        return func

    def _request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """A page through the run's HttpClient: limiter slot, checks, retries, counted."""
        response = self.api.http.send(prepared_request, report=self.report)
        self._write_request_duration_log(
            endpoint=self.path, response=response, context=context, extra_tags=None
        )
        return response

    def base_params(self) -> dict[str, str]:
        params = {"preview": "1", "depth": str(self.depth)}
        for column, ops in self.user_filters.items():
            if not isinstance(ops, dict):
                params[f"filters[{column}][eq]"] = str(ops)
                continue
            for op, value in ops.items():
                params[f"filters[{column}][{op}]"] = str(value)
        return params

    def get_url_params(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, Any]:
        assert self._cursor is not None
        return {**self.base_params(), **self._cursor.params()}

    def get_new_paginator(self) -> CursorPaginator:
        assert self._cursor is not None
        return CursorPaginator(self._cursor)

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        yield from super().get_records(context)
        if self.config.get("detect_hard_deletes"):
            yield from self._tombstones(context)

    def _tombstones(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Rows whose keys the previous key scan saw and this one does not (key_scan.py)."""
        pk = self.primary_keys[0]
        base = {**self.base_params(), "depth": "0"}
        sent = 0

        def fetch(params: dict[str, str]) -> list[dict[str, Any]]:
            nonlocal sent
            sent += 1
            body = self.api.get(f"/tables/{self.name}/rows", {**base, **params})
            return list(body.get("data") or [])

        current = list(scan_keys(fetch, pk, self.name))
        state = self.get_context_state(context)
        gone = vanished(decode_keys(state.get(KEY_SCAN_STATE)), current)
        stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        for key in gone:
            yield {pk: key, SOFT_DELETE_FIELD: stamp}
        # Only after every tombstone is out: a run cut short scans again from the old keys.
        state[KEY_SCAN_STATE] = encode_keys(current)
        self.logger.info(
            "Table %s: key scan read %d keys in %d requests; %d rows deleted since the last "
            "scan (tombstones emitted).",
            self.name,
            len(current),
            sent,
            len(gone),
        )

    def request_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        self._cursor = self.new_cursor(context)
        if self._cursor.done:
            return
        yield from super().request_records(context)

    def new_cursor(self, context: Context | None) -> KeysetCursor:
        """Start of this sync: the bookmark, and the newest update value as the upper bound."""
        page_size = int(self.config.get("page_size") or 200)
        pk = self.primary_keys[0]
        if not self.incremental:
            return KeysetCursor(primary_key=pk, page_size=page_size, table=self.name)
        upd = str(self.replication_key)
        start: str | None
        order_key: Callable[[Any], Any] = sort_key
        filter_text: Callable[[Any], str] = param_text
        if self.is_timestamp_replication_key:
            self._normalise_bookmark(context)
            moment = self.get_starting_timestamp(context)
            start = to_directus_datetime(moment) if moment else None
            order_key = self._instant_key
            filter_text = self._filter_time
        else:
            value = self.get_starting_replication_key_value(context)
            start = None if value is None else str(value)
        newest = self.api.get(
            f"/tables/{self.name}/rows",
            {
                **self.base_params(),
                "depth": "0",
                "limit": "1",
                f"order[{upd}]": "DESC",
                "columns": f"{pk},{upd}",
            },
            report=self.report,
        )
        data = newest.get("data")
        upper = data[0].get(upd) if isinstance(data, list) and data else None
        cursor = KeysetCursor(
            primary_key=pk,
            page_size=page_size,
            update_column=upd,
            start=start,
            upper=upper,
            order_key=order_key,
            filter_text=filter_text,
            table=self.name,
        )
        # Nothing to read, unless a first sync still has never-updated (NULL) rows to read.
        cursor.done = upper is None and start is not None
        return cursor

    def _instant_key(self, value: Any) -> Any:
        """An update value as a UTC instant, whatever offset the token user's zone gave it.

        Paging asks only for rows whose update column is not NULL, so a null served there is a
        zero date (`0000-00-00 00:00:00`, which a real Directus serves as null): it sorts first.
        """
        try:
            moment = to_instant(value)
        except ValueError:
            raise PagingError(
                f"Table {self.name}: update column {self.replication_key} holds {value!r}, "
                "not a date-time; the tap cannot page past it. Fix the value in Directus."
            ) from None
        return ZERO_INSTANT if moment is None else moment

    def _filter_time(self, value: Any) -> str:
        """An update value as the database's own time, the only form MySQL compares right."""
        moment = self._instant_key(value)
        return ZERO_DATETIME if moment == ZERO_INSTANT else to_directus_datetime(moment)

    def _normalise_bookmark(self, context: Context | None) -> None:
        """A bookmark written with an offset (older versions) becomes the UTC instant, so that
        singer-sdk's text comparison of bookmarks is a comparison of instants."""
        state = self.get_context_state(context)
        value = state.get("replication_key_value")
        if isinstance(value, str):
            try:
                utc = to_iso_datetime(value)
            except ValueError:
                return  # not a date-time: reported by the bookmark check, not here
            if utc:
                state["replication_key_value"] = utc

    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        # Never-updated rows (NULL update column) do not move the bookmark; skip singer-sdk's
        # per-record "null replication value" warning for them.
        if self.replication_key and latest_record.get(self.replication_key) is None:
            return
        super()._increment_stream_state(latest_record, context=context)

    # ------------------------------------------------------------------- records
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        assert self._cursor is not None
        body = parse_body(response)
        yield from self._cursor.accept(body["data"])

    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        props = self.schema["properties"]
        record: dict[str, Any] = {}
        for name, value in row.items():
            schema = props.get(name)
            if schema is None:
                if name not in self.secret_columns:
                    self._ignore_column(name)
                continue
            types = schema.get("type", [])
            if "object" in types:
                record[name] = self._nested(name, nested_object(value), schema)
            elif "array" in types:
                record[name] = related_ids(value)
            else:
                scalar = related_id(value) if isinstance(value, dict) else value
                try:
                    record[name] = coerce(None if scalar == [] else scalar, schema)
                except ValueError as exc:
                    if name in (self.primary_keys[0], self.replication_key):
                        msg = (
                            f"Table {self.name}: key column {name} holds {exc}; the tap cannot "
                            "page or bookmark past it. Fix the value in Directus."
                        )
                        raise FatalAPIError(msg) from exc
                    self.logger.warning(
                        "Table %s, row %s, column %s: %s; emitted as null.",
                        self.name,
                        param_text(row.get(self.primary_keys[0])),
                        name,
                        exc,
                    )
                    record[name] = None
        if SOFT_DELETE_FIELD in props and SOFT_DELETE_FIELD not in row:  # not a tombstone
            record[SOFT_DELETE_FIELD] = self._deleted_at(row, record)
        return scrub(self.name, record)

    def _nested(
        self, column: str, value: dict[str, Any] | None, schema: dict[str, Any]
    ) -> dict[str, Any] | None:
        """A nested related row, typed from the related table's columns (secrets never)."""
        if value is None:
            return None
        properties = schema.get("properties")
        if not properties:  # untyped: at least no credentials
            return {k: v for k, v in value.items() if k not in ALL_SECRET_COLUMNS}
        out: dict[str, Any] = {}
        for key, sub in properties.items():
            if key in value:
                scalar = related_id(value[key]) if isinstance(value[key], dict) else value[key]
                try:
                    out[key] = coerce(None if scalar == [] else scalar, sub)
                except ValueError as exc:
                    self.logger.warning(
                        "Table %s, column %s, nested %s: %s; emitted as null.",
                        self.name,
                        column,
                        key,
                        exc,
                    )
                    out[key] = None
        return out

    def _deleted_at(self, row: dict[str, Any], record: dict[str, Any]) -> str | None:
        status = self.status_column
        if (
            status is None
            or not self.config.get("emit_soft_deletes")
            or str(row.get(status)) != str(DELETED_STATUS)
        ):
            return None
        if self.replication_key and record.get(self.replication_key):
            return str(record[self.replication_key])
        return to_iso_datetime(dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"))

    def _ignore_column(self, name: str) -> None:
        if name not in self._ignored_columns:
            self._ignored_columns.add(name)
            self.logger.warning(
                "Table %s has a column %r that is not in the catalog (added after discovery); "
                "it is ignored until the catalog is refreshed (meltano: --refresh-catalog).",
                self.name,
                name,
            )


__all__ = ["DirectusTableStream"]
