"""tap-directo: every Directo ERP resource as an incremental Singer stream (JSON or XML).

This module holds the settings (their schema says types and bounds; settings.py checks the
rest), the states of older runs it reads, and the streams it builds: one per resource, a line
stream beside orders and invoices, each given the run's DirectoApi (api.py).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.streams import Stream

from connector_common import DISTRIBUTION_NAME
from connector_common.catalog_selection import CheckedSelectionMixin
from connector_common.config_errors import ValidatedConfigMixin
from connector_common.fatal_errors import OneLineFatalErrorsMixin
from connector_common.input_files import BadInputFileError, bookmark_problem
from connector_common.log_redaction import RedactedLogsMixin
from connector_common.redaction import secret_values
from connector_common.unknown_settings import UnknownSettingsMixin
from tap_directo.api import DirectoApi
from tap_directo.bookmarks import bookmark_moment, readable_state, unwrapped_state
from tap_directo.customer_fields import DOCUMENT_RESOURCES, document_properties
from tap_directo.inference import Sample
from tap_directo.keys import primary_keys_for
from tap_directo.lines import LineHandoff
from tap_directo.message_writer import BufferedRecordsWriter
from tap_directo.resources import RESOURCES, RESOURCES_BY_NAME
from tap_directo.schemas import resource_schema, rows_schema
from tap_directo.settings import config_checks
from tap_directo.streams import LINE_STREAM_CLASSES, STREAM_CLASSES

DEFAULT_BASE_URL = "https://login.directo.ee/apidirect"


class TapDirecto(
    CheckedSelectionMixin,
    OneLineFatalErrorsMixin,
    UnknownSettingsMixin,
    ValidatedConfigMixin,
    RedactedLogsMixin,
    Tap,
):
    """Singer tap for the Directo ERP REST API."""

    name = "tap-directo"
    package_name = DISTRIBUTION_NAME
    message_writer_class = BufferedRecordsWriter  # msgspec, no flush per record (message_writer.py)
    dynamic_catalog = True  # --discover validates the config (infer_schema calls the API)

    # Internal knob (not a setting): tests shrink it so nothing waits real minutes.
    rate_limit_window_seconds: ClassVar[float] = 60.0

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
        th.Property(
            "api_version", th.IntegerType(minimum=1), default=1, description="Directo API version."
        ),
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
            th.IntegerType(minimum=1),
            description="Split orders, invoices and allocations into requests of this many "
            "days of document `date` (the doc's advice for large datasets). Default: off.",
        ),
        th.Property(
            "requests_per_minute",
            th.IntegerType(minimum=0),
            default=60,
            description="Requests per minute, across all streams, paced evenly (a token "
            "bucket: 1 s apart at 60; Directo recommends staying under 60). 0 disables it.",
        ),
        th.Property(
            "burst",
            th.IntegerType(minimum=1),
            default=1,
            description="How many requests may go back to back after a pause before the "
            "pacing of `requests_per_minute` applies (the token bucket's size).",
        ),
        th.Property(
            "timeout",
            th.IntegerType(minimum=1),
            default=300,
            description="Seconds to wait for a response.",
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
            th.IntegerType(minimum=0),
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

    def config_checks(self) -> list[str]:
        return config_checks(self.config)

    @classmethod
    def state_problem(cls, state: dict[str, Any]) -> str | None:
        """A bookmark no form of which is a date-time is refused before the first request.

        Older forms (epoch numbers, other ISO forms, Meltano's `singer_state` wrapper) are
        read (bookmarks.readable_state).
        """
        return bookmark_problem(unwrapped_state(state), lambda v: bookmark_moment(v) is not None)

    def load_state(self, state: dict[str, Any]) -> None:
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
    def secrets(self) -> list[str]:
        """Values never to print: the settings marked secret (the API key)."""
        return secret_values(dict(self.config), self.config_jsonschema)

    @cached_property
    def api(self) -> DirectoApi:
        """The session, token bucket and secrets every stream and discovery sample shares."""
        return DirectoApi.from_config(self.config, self.secrets, self.rate_limit_window_seconds)

    @property
    def record_writer(self) -> BufferedRecordsWriter:
        """The writer the streams hand their RECORD lines to (message_writer.py)."""
        writer = self.message_writer
        if not isinstance(writer, BufferedRecordsWriter):
            raise TypeError(f"tap-directo writes through BufferedRecordsWriter, not {writer!r}")
        return writer

    # singer-sdk marks sync_all final; the RECORD lines still gathered must reach stdout even
    # when no STATE follows them (an unchanged state is not written again).
    def sync_all(self) -> None:  # type: ignore[misc]
        try:
            super().sync_all()
        finally:
            self.record_writer.flush()

    @cached_property
    def samples(self) -> dict[str, Sample]:
        """Fields found by `infer_schema` (empty unless it is on and no catalog was given)."""
        if not self.config.get("infer_schema") or self.input_catalog is not None:
            return {}
        found: dict[str, Sample] = {}
        for resource in RESOURCES:
            sample = self.api.sample(resource, logger=self.logger)
            if sample is not None:
                found[resource.name] = sample
        return found

    # -- streams ---------------------------------------------------------------------------
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
            lines = LineHandoff() if resource.rows_stream else None
            stream_class = STREAM_CLASSES[resource.name]
            streams.append(stream_class(self, schema, self.api, self.record_writer, lines))
            if lines is not None:
                rows = rows_schema(resource, sample.row_fields, parent_keys=keys)
                line_class = LINE_STREAM_CLASSES[resource.name]
                streams.append(line_class(self, rows, lines, self.record_writer))
        return streams
