"""One stream class for every Directus table: the table is data (name, keys, schema).

Rows of every status are read (`preview=1`: without it a real Directus 6 returns only the
published ones). Relations are read at depth 0 (raw ids, one query per page) unless a setting
needs the nested rows. Values are coerced to the schema: numbers served as strings, nested or
flat MANYTOONE values, DATETIME without a zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import requests
from singer_sdk import RESTStream
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.pagination import BaseAPIPaginator

from connector_common.retry import response_of, small_jitter
from connector_common.stream_report import ReportedStreamMixin
from tap_directus.client import (
    MAX_TRIES,
    check_response,
    new_session,
    parse_body,
    redacted_request_errors,
    wait_generator,
)
from tap_directus.discovery import DELETED_STATUS, SOFT_DELETE_FIELD
from tap_directus.paging import KeysetCursor, plain
from tap_directus.types import coerce, to_directus_datetime, to_iso_datetime

if TYPE_CHECKING:
    from tap_directus.tap import TapDirectus

STATUS_NOTE = re.compile(r"status column `([^`]+)`")


def soft_delete_description(status_column: str) -> str:
    """Kept in the catalog so a sync from a catalog knows the status column."""
    return (
        f"Set when the status column `{status_column}` holds Directus' deleted status "
        f"({DELETED_STATUS}): the row's update time, else the sync time."
    )


def related_id(value: Any) -> Any:
    """A MANYTOONE value, nested (`{"meta", "data"}` or a plain object) or flat, as its id."""
    if isinstance(value, dict):
        inner = value.get("data", value) if "meta" in value else value
        if isinstance(inner, dict):
            return inner.get("id", next(iter(inner.values()), None))
        return inner
    return value


def nested_object(value: Any) -> dict | None:
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

    def __init__(
        self,
        tap: TapDirectus,
        *,
        name: str,
        schema: dict[str, Any],
        primary_key: str,
        replication_key: str | None,
        status_column: str | None,
        user_filters: dict[str, Any],
    ) -> None:
        self.directus = tap
        if status_column is None:  # a stream built from a catalog: read it from the note
            note = STATUS_NOTE.search(
                schema.get("properties", {}).get(SOFT_DELETE_FIELD, {}).get("description", "")
            )
            status_column = note.group(1) if note else None
        self.status_column = status_column
        self.user_filters = user_filters
        self._cursor: KeysetCursor | None = None
        self._ignored_columns: set[str] = set()
        super().__init__(tap, name=name, schema=schema, path=f"/tables/{name}/rows")
        self.primary_keys = [primary_key]
        self._paging_key = primary_key
        self.replication_key = replication_key
        self._requests_session = new_session(tap.limiter, self.user_agent)

    def apply_catalog(self, catalog: Any) -> None:
        """A catalog stream without key_properties keeps the key the tap pages on (was a crash)."""
        super().apply_catalog(catalog)
        if not self.primary_keys:
            self.primary_keys = [self._paging_key]

    @property
    def url_base(self) -> str:
        return self.directus.client.api_url

    @property
    def authenticator(self) -> Any:
        return self.directus.client.auth

    @property
    def timeout(self) -> float:  # type: ignore[override]
        return float(self.config.get("timeout") or 60)

    @property
    def is_sorted(self) -> bool:  # type: ignore[override]
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
    def backoff_wait_generator(self) -> Any:
        return wait_generator()

    def backoff_max_tries(self) -> int:
        return MAX_TRIES

    def backoff_jitter(self, value: float) -> float:
        return small_jitter(value)

    def backoff_handler(self, details: Any) -> None:
        response = response_of(details.get("exception"))
        self.report.retried(
            float(details.get("wait") or 0), response.status_code if response is not None else None
        )
        super().backoff_handler(details)

    def _request(self, prepared_request: requests.PreparedRequest, context: Any) -> Any:
        self.report.request()
        with redacted_request_errors(self.directus.secrets):
            return super()._request(prepared_request, context)

    def validate_response(self, response: requests.Response) -> None:
        check_response(response, f"table `{self.name}`", self.directus.secrets, expect_list=True)

    def response_error_message(self, response: requests.Response) -> str:
        return f"Directus answered {response.status_code} for table `{self.name}`"

    def base_params(self) -> dict[str, str]:
        params = {"preview": "1", "depth": str(self.depth)}
        for column, ops in self.user_filters.items():
            if not isinstance(ops, dict):
                params[f"filters[{column}][eq]"] = str(ops)
                continue
            for op, value in ops.items():
                params[f"filters[{column}][{op}]"] = str(value)
        return params

    def get_url_params(self, context: Any, next_page_token: Any) -> dict[str, Any]:
        assert self._cursor is not None
        return {**self.base_params(), **self._cursor.params()}

    def get_new_paginator(self) -> CursorPaginator:
        assert self._cursor is not None
        return CursorPaginator(self._cursor)

    def request_records(self, context: Any) -> Iterable[dict]:
        self._cursor = self.new_cursor(context)
        if self._cursor.done:
            return
        yield from super().request_records(context)

    def new_cursor(self, context: Any) -> KeysetCursor:
        """Start of this sync: the bookmark, and the newest update value as the upper bound."""
        page_size = int(self.config.get("page_size") or 200)
        pk = self.primary_keys[0]
        if not self.incremental:
            return KeysetCursor(primary_key=pk, page_size=page_size)
        upd = str(self.replication_key)
        start: str | None
        if self.is_timestamp_replication_key:
            moment = self.get_starting_timestamp(context)
            start = to_directus_datetime(moment) if moment else None
        else:
            value = self.get_starting_replication_key_value(context)
            start = None if value is None else str(value)
        newest = self.directus.client.get(
            f"/tables/{self.name}/rows",
            {
                **self.base_params(),
                "depth": "0",
                "limit": "1",
                f"order[{upd}]": "DESC",
                "columns": f"{pk},{upd}",
            },
            what=f"table `{self.name}`",
            report=self.report,
        )
        data = newest.get("data")
        upper = data[0].get(upd) if isinstance(data, list) and data else None
        cursor = KeysetCursor(
            primary_key=pk, page_size=page_size, update_column=upd, start=start, upper=upper
        )
        # Nothing to read, unless a first sync still has never-updated (NULL) rows to read.
        cursor.done = upper is None and start is not None
        return cursor

    def _increment_stream_state(self, latest_record: dict, *, context: Any = None) -> None:
        # Never-updated rows (NULL update column) do not move the bookmark; skip singer-sdk's
        # per-record "null replication value" warning for them.
        if self.replication_key and latest_record.get(self.replication_key) is None:
            return
        super()._increment_stream_state(latest_record, context=context)

    # ------------------------------------------------------------------- records
    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        assert self._cursor is not None
        body = parse_body(response)
        yield from self._cursor.accept(body["data"])

    def post_process(self, row: dict, context: Any = None) -> dict | None:
        props = self.schema["properties"]
        record: dict[str, Any] = {}
        for name, value in row.items():
            schema = props.get(name)
            if schema is None:
                self._ignore_column(name)
                continue
            types = schema.get("type", [])
            if "object" in types:
                record[name] = nested_object(value)
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
                        plain(row.get(self.primary_keys[0])),
                        name,
                        exc,
                    )
                    record[name] = None
        if SOFT_DELETE_FIELD in props:
            record[SOFT_DELETE_FIELD] = self._deleted_at(row, record)
        return record

    def _deleted_at(self, row: dict, record: dict) -> str | None:
        status = self.status_column
        if status is None or str(row.get(status)) != str(DELETED_STATUS):
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


__all__ = ["DirectusTableStream", "soft_delete_description"]
