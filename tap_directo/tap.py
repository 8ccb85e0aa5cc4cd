"""tap-directo: every Directo ERP resource as an incremental Singer stream (JSON or XML)."""

from __future__ import annotations

import time
from functools import cached_property
from typing import ClassVar

import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.streams import Stream

from connector_common import DISTRIBUTION_NAME
from connector_common.catalog_selection import check_selection
from connector_common.config_errors import ValidatedConfigMixin
from connector_common.fatal_errors import OneLineFatalErrorsMixin
from connector_common.input_files import BadInputFileError, bookmark_problem
from connector_common.instants import parse_instant
from connector_common.log_redaction import RedactedLogsMixin
from connector_common.redaction import redact, secret_values
from connector_common.retry import RetryWaits, is_retryable_status, response_of
from connector_common.token_bucket import TokenBucket
from connector_common.unknown_settings import UnknownSettingsMixin
from tap_directo.bookmarks import bookmark_moment, readable_state, unwrapped_state
from tap_directo.client import describe_failure
from tap_directo.customer_fields import DOCUMENT_RESOURCES, document_properties, setting_errors
from tap_directo.filters import filter_errors
from tap_directo.inference import SAMPLE_RECORDS, Sample, sample_resource
from tap_directo.keys import primary_keys_errors, primary_keys_for
from tap_directo.parsing import ResponseBodyError
from tap_directo.resources import (
    RESOURCES,
    RESOURCES_BY_NAME,
    ROW_FIELDS,
    Resource,
    field_types,
)
from tap_directo.schemas import resource_schema, rows_schema
from tap_directo.streams import STREAM_CLASSES
from tap_directo.writer import BufferedRecordsWriter

DEFAULT_BASE_URL = "https://login.directo.ee/apidirect"


class TapDirecto(
    OneLineFatalErrorsMixin, UnknownSettingsMixin, ValidatedConfigMixin, RedactedLogsMixin, Tap
):
    """Singer tap for the Directo ERP REST API."""

    name = "tap-directo"
    package_name = DISTRIBUTION_NAME
    message_writer_class = BufferedRecordsWriter  # msgspec, no flush per record (writer.py)
    dynamic_catalog = True  # --discover validates the config (infer_schema calls the API)

    # Internal knobs (not settings): tests shrink them so nothing waits real minutes.
    rate_limit_window_seconds: ClassVar[float] = 60.0
    retry_base_seconds: ClassVar[float] = 1.0
    retry_max_tries: ClassVar[int] = 5

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_key",
            th.StringType,
            required=True,
            secret=True,
            description="Directo API key, sent as the X-Directo-Key header.",
        ),
        th.Property(
            "base_url",
            th.StringType,
            default=DEFAULT_BASE_URL,
            description="API root, without the version (`{base_url}/v{api_version}/{resource}`).",
        ),
        th.Property("api_version", th.IntegerType, default=1, description="Directo API version."),
        th.Property(
            "response_format",
            th.StringType,
            default="json",
            allowed_values=["json", "xml"],
            description="Ask Directo for JSON or XML (both give the same records).",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="First sync: only records modified since then (`ts=>=START`). "
            "Default: everything.",
        ),
        th.Property(
            "filters",
            th.ObjectType(additional_properties=True),
            default={},
            description="Per-stream ERP filters as the doc writes them, e.g. "
            '{"orders": {"status": "NEW,PENDING", "date": ">=2025-01-01T00:00:00"}, '
            '"items": {"country!": "EE"}}. A list value repeats the parameter (AND).',
        ),
        th.Property(
            "date_window_days",
            th.IntegerType,
            description="Split orders, invoices and allocations into requests of this many "
            "days of document `date` (the doc's advice for large datasets). Default: off.",
        ),
        th.Property(
            "requests_per_minute",
            th.IntegerType,
            default=60,
            description="Requests per minute, across all streams, paced evenly (a token "
            "bucket: 1 s apart at 60; Directo recommends staying under 60). 0 disables it.",
        ),
        th.Property(
            "burst",
            th.IntegerType,
            default=1,
            description="How many requests may go back to back after a pause before the "
            "pacing of `requests_per_minute` applies (the token bucket's size).",
        ),
        th.Property(
            "timeout", th.IntegerType, default=300, description="Seconds to wait for a response."
        ),
        th.Property(
            "infer_schema",
            th.BooleanType,
            default=False,
            description="At discovery, sample each resource (one request) and add the fields "
            "it finds to the schema.",
        ),
        th.Property(
            "datafields_as_object",
            th.BooleanType,
            default=False,
            description='Emit `datafields` as {"CODE": "content"} instead of a list.',
        ),
        th.Property(
            "emit_deleted_records",
            th.BooleanType,
            default=False,
            description="Also emit each deletion into its resource's stream as a record with "
            "the primary key, `_sdc_deleted_at` and every other field null.",
        ),
        th.Property(
            "primary_keys",
            th.ObjectType(additional_properties=True),
            description="Per-stream primary key instead of ours, for companies whose records "
            'carry other key fields, e.g. {"allocations": ["code"], "stocklevels": '
            '["item_code", "warehouse", "location"]}. Discovery, the line streams and '
            "deletions use it.",
        ),
        th.Property(
            "bookmark_overlap_seconds",
            th.IntegerType,
            default=300,
            description="When records carry no `ts`, the bookmark is the request time minus "
            "this safety overlap.",
        ),
        th.Property(
            "document_customer_fields",
            th.ArrayType(th.StringType),
            default=[],
            description="Customer fields copied onto each order and invoice as "
            'customer_<field> (e.g. ["email", "vat_number"]), read with one /customers '
            "request per run: lets a target find the document's customer by a value it holds.",
        ),
    ).to_dict()

    # -- validation ------------------------------------------------------------------------
    def config_checks(self) -> list[str]:
        config = self.config
        errors = []
        base_url = str(config.get("base_url") or "")
        if not base_url.startswith(("http://", "https://")):
            errors.append(f"base_url: '{base_url}' must start with http:// or https://")
        if int(config.get("api_version", 1)) < 1:
            errors.append("api_version: must be 1 or more")
        start = config.get("start_date")
        if start and parse_instant(str(start)) is None:
            errors.append(f"start_date: '{start}' is not an ISO 8601 date-time")
        days = config.get("date_window_days")
        if days is not None and int(days) < 1:
            errors.append("date_window_days: must be 1 or more (or leave it unset)")
        if not str(config.get("api_key") or "").strip():
            errors.append("api_key: is empty; set the key your Directo administrator gave you")
        per_minute = float(config.get("requests_per_minute", 60))
        if per_minute < 0 or 0 < per_minute < 1:  # the limiter counts whole requests
            errors.append("requests_per_minute: must be 0 (no limit) or 1 or more")
        if int(config.get("burst", 1)) < 1:
            errors.append("burst: must be 1 or more (1: requests evenly spaced)")
        if float(config.get("timeout", 300)) <= 0:
            errors.append("timeout: must be more than 0 seconds")
        if float(config.get("bookmark_overlap_seconds", 300)) < 0:
            errors.append("bookmark_overlap_seconds: must be 0 or more")
        # row_* fields filter orders/invoices (whole documents); line streams make no requests
        types = {r.name: {**field_types(r), **ROW_FIELDS} for r in RESOURCES}
        errors += filter_errors(config.get("filters"), types)
        errors += setting_errors(config)
        errors += primary_keys_errors(config.get("primary_keys"))
        return errors

    @classmethod
    def state_problem(cls, state: dict) -> str | None:
        """A bookmark no form of which is a date-time is refused before the first request.

        Older forms (epoch numbers, other ISO forms, Meltano's `singer_state` wrapper) are
        read (bookmarks.readable_state).
        """
        return bookmark_problem(unwrapped_state(state), lambda v: bookmark_moment(v) is not None)

    def load_state(self, state: dict) -> None:
        """Read states of older runs too (bookmarks.readable_state); refuse unreadable ones."""
        problem = self.state_problem(state)
        if problem:
            raise BadInputFileError(f"state: {problem}.")
        readable, problems = readable_state(state, RESOURCES_BY_NAME)
        for line in problems:
            self.logger.warning("%s", line)
        super().load_state(readable)

    # -- shared per run --------------------------------------------------------------------
    @cached_property
    def rate_limiter(self) -> TokenBucket:
        """One bucket for every stream (and the discovery samples): Directo's limit is per key."""
        return TokenBucket(
            float(self.config.get("requests_per_minute", 60) or 0),
            burst=int(self.config.get("burst", 1)),
            window_seconds=self.rate_limit_window_seconds,
        )

    @cached_property
    def secrets(self) -> list[str]:
        """Values never to print: the settings marked secret (the API key)."""
        return secret_values(dict(self.config), self.config_jsonschema)

    @cached_property
    def samples(self) -> dict[str, Sample]:
        """Fields found by `infer_schema` (empty unless it is on and no catalog was given)."""
        if not self.config.get("infer_schema") or self.input_catalog is not None:
            return {}
        base = f"{str(self.config['base_url']).rstrip('/')}/v{self.config.get('api_version', 1)}"
        found = {}
        with requests.Session() as session:
            for resource in RESOURCES:
                sample = self._sample_with_retries(session, f"{base}/{resource.name}", resource)
                if sample is not None:
                    found[resource.name] = sample
        return found

    def _sample_with_retries(
        self,
        session: requests.Session,
        url: str,
        resource: Resource,
        max_records: int | None = SAMPLE_RECORDS,
    ) -> Sample | None:
        """One sample, retried like any request; None (documented fields only) on failure."""
        waits = RetryWaits(base=self.retry_base_seconds)
        for attempt in range(1, self.retry_max_tries + 1):
            try:
                return sample_resource(
                    session,
                    url,
                    {"X-Directo-Key": str(self.config["api_key"])},
                    resource,
                    timeout=float(self.config.get("timeout", 300)),
                    before_request=self.rate_limiter.acquire,
                    max_records=max_records,
                )
            except (requests.RequestException, ResponseBodyError) as exc:
                status = getattr(response_of(exc), "status_code", None)
                if status == 401:  # every later request would fail the same way
                    raise FatalAPIError(
                        f"Directo rejected the API key (401) while `infer_schema` sampled "
                        f"'{resource.name}': check the `api_key` setting."
                    ) from None
                transient = status is None or is_retryable_status(status)
                unreachable = isinstance(exc, requests.ConnectionError | requests.Timeout)
                if unreachable and attempt == self.retry_max_tries:  # no use trying 8 more
                    raise FatalAPIError(
                        redact(
                            f"`infer_schema` could not sample '{resource.name}' after {attempt} "
                            f"tries: {describe_failure(exc)}",
                            self.secrets,
                        )
                    ) from None
                if not transient or attempt == self.retry_max_tries:
                    self.logger.warning(
                        "infer_schema: could not sample '%s' (%s); using the documented fields",
                        resource.name,
                        redact(str(exc), self.secrets),
                    )
                    return None
                time.sleep(waits.after(exc))
        return None

    # -- streams ---------------------------------------------------------------------------
    def sync_all(self) -> None:
        """Refuse a catalog that selects only streams this tap does not have (before syncing)."""
        check_selection(self.input_catalog, self.streams, self.logger)
        super().sync_all()

    def discover_streams(self) -> list[Stream]:
        streams: list[Stream] = []
        as_object = bool(self.config.get("datafields_as_object"))
        emit_deleted = bool(self.config.get("emit_deleted_records"))
        for resource in RESOURCES:
            sample = self.samples.get(resource.name) or Sample()
            keys = primary_keys_for(resource, self.config.get("primary_keys"))
            schema = resource_schema(
                resource,
                keys=keys,
                datafields_as_object=as_object,
                emit_deleted_records=emit_deleted,
                extra_fields=sample.fields,
                extra_row_fields=sample.row_fields,
                datafield_codes=sample.datafield_codes,
            )
            if resource.name in DOCUMENT_RESOURCES:
                schema["properties"].update(document_properties(self.config))
            streams.append(STREAM_CLASSES[resource.name](self, schema))
            if resource.rows_stream:
                rows = rows_schema(resource, sample.row_fields, parent_keys=keys)
                streams.append(STREAM_CLASSES[resource.rows_stream](self, rows))
        return streams


if __name__ == "__main__":
    TapDirecto.cli()
