"""target-dokus: upsert Singer streams into Dokus customers, groups, products, draft invoices.

This module holds the settings schema and the routing of streams to sinks; what a sink does
with a record is in sinks.py, the run's shared writing machinery in writer.py, HTTP in
client.py, and checks beyond the schema in settings.py.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any, cast

from singer_sdk import Target
from singer_sdk import typing as th
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.sinks import Sink

from connector_common import DISTRIBUTION_NAME
from connector_common.config_errors import ValidatedConfigMixin
from connector_common.fatal_errors import OneLineFatalErrorsMixin, default_fatal_message
from connector_common.log_redaction import RedactedLogsMixin
from connector_common.redaction import basic_auth_value, secret_values
from connector_common.unknown_settings import UnknownSettingsMixin
from target_dokus.errors import BAD_INPUT_ERRORS, DokusRunError
from target_dokus.resources import WRITABLE_RESOURCES
from target_dokus.routing import resource_for
from target_dokus.settings import DEFAULT_DEAD_LETTER_PATH, MAX_CONCURRENCY, config_problems
from target_dokus.singer_input import NumberedSingerReader, bad_input_message
from target_dokus.sinks import DokusSink, IgnoredStreamSink
from target_dokus.state_gate import StateGate
from target_dokus.stream_map_failures import raised_in_stream_map, stream_map_failure
from target_dokus.writer import DokusWriter

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "subdomain",
        th.StringType,
        description="Your organisation's Dokus subdomain: the API is https://SUBDOMAIN.dokus.no.",
    ),
    th.Property(
        "base_url",
        th.StringType,
        description=(
            "API root URL instead of the subdomain (wins when both are set). Must be https, "
            "except loopback addresses (127.0.0.1, ::1, localhost) for testing."
        ),
    ),
    th.Property(
        "email", th.StringType, required=True, description="E-mail address of the Dokus user."
    ),
    th.Property(
        "password",
        th.StringType,
        required=True,
        secret=True,
        description="Password of the Dokus user (HTTP basic auth).",
    ),
    th.Property(
        "stream_resources",
        th.ObjectType(additional_properties=th.StringType),
        description=(
            "Stream name -> Dokus resource (customers, customer_groups, products, invoices). "
            "Default: a stream named like a resource goes there; other streams are skipped."
        ),
    ),
    th.Property(
        "match_keys",
        # Values are checked in settings.config_problems: a JSON-schema anyOf error says nothing useful.
        th.ObjectType(additional_properties=True),
        description=(
            "Resource -> field (or list of fields, all of which must match) that finds the "
            "existing Dokus record. Defaults: customers org_number, customer_groups name, "
            "products product_number, invoices sender_ref."
        ),
    ),
    th.Property(
        "references",
        # Checked in settings.config_problems (relations.py), for errors that name the entry.
        th.ObjectType(additional_properties=True),
        description=(
            "Relation fields that hold another key of the related record instead of its Dokus "
            'id, e.g. {"invoices": {"recipient": {"by": "email", "named_by": "customer_code"}}}: '
            "the invoice's recipient is the Dokus customer with that e-mail (found in Dokus, "
            "or created earlier in the run); `named_by` fields name the source record in "
            "refusals. Unresolved references are dead-lettered with a reason."
        ),
    ),
    th.Property(
        "send_invoices",
        th.BooleanType,
        default=False,
        description=(
            "Send each draft invoice this target creates (POST /invoices/ID/send/, by e-mail). "
            "Sent invoices are final: later changes to them are refused, never duplicated."
        ),
    ),
    th.Property(
        "hard_delete",
        th.BooleanType,
        default=False,
        description=(
            "Delete the Dokus record when a record carries _sdc_deleted_at. Off: such records "
            "are skipped and counted."
        ),
    ),
    th.Property(
        "on_error",
        th.StringType,
        default="dead_letter",
        allowed_values=["dead_letter", "fail"],
        description=(
            "What a record Dokus refuses does: dead_letter (append it to dead_letter_path, go "
            "on, exit 1 at the end) or fail (stop at once, no state past it)."
        ),
    ),
    th.Property(
        "dead_letter_path",
        th.StringType,
        default=DEFAULT_DEAD_LETTER_PATH,
        description=(
            "JSONL file that refused records are appended to (created readable by its owner "
            "only; keep it out of version control, as output/ is)."
        ),
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        default=False,
        description="Read Dokus and log what would be written, but send no writes.",
    ),
    th.Property(
        "max_concurrency",
        th.IntegerType,
        default=1,
        description=(
            f"Parallel requests to Dokus (1-{MAX_CONCURRENCY}); records with the same key "
            "stay in order."
        ),
    ),
    th.Property(
        "requests_per_minute",
        th.IntegerType(minimum=0),
        description="Upper bound on requests per minute across the run; unset or 0: no limit.",
    ),
    th.Property(
        "timeout",
        th.IntegerType(minimum=1),
        default=60,
        description="Seconds to wait for one Dokus answer before retrying.",
    ),
).to_dict()


class TargetDokus(
    OneLineFatalErrorsMixin, UnknownSettingsMixin, ValidatedConfigMixin, RedactedLogsMixin, Target
):
    """Singer target for the Dokus invoicing API (https://SUBDOMAIN.dokus.no)."""

    name = "target-dokus"
    package_name = DISTRIBUTION_NAME
    config_jsonschema = CONFIG_SCHEMA
    message_reader_class = NumberedSingerReader
    message_reader: NumberedSingerReader

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._writer: DokusWriter | None = None
        self._skipped_streams: set[str] = set()
        self.state_gate = StateGate(self._write_state_message)
        super().__init__(*args, **kwargs)

    def _process_state_message(self, message_dict: dict[str, Any]) -> None:
        """Hand the state to the gate: out as soon as the records before it are handled.

        singer-sdk would only keep it for the next full drain (end of input, SIGTERM, or
        every five minutes); the gate is the only one that emits state.
        """
        self._assert_line_requires(message_dict, requires={"value"})
        if message_dict["value"]:
            self.state_gate.state_read(message_dict["value"])

    def _process_record_message(self, message_dict: dict[str, Any]) -> None:
        """singer-sdk's, but a stream map failing on this record stops the run in one line."""
        try:
            super()._process_record_message(message_dict)
        except Exception as exc:
            if not raised_in_stream_map(exc):
                raise
            line = self.message_reader.line_number
            message = stream_map_failure(exc, str(message_dict["stream"]), line)
            if self._writer is not None:  # the records before it land, their states go out
                self._writer.settle(WRITABLE_RESOURCES)
            raise DokusRunError(message) from None

    def _process_activate_version_message(self, message_dict: dict[str, Any]) -> None:
        if message_dict["stream"] not in self.mapper.stream_maps:
            raise InvalidInputLine(
                f"ACTIVATE_VERSION for stream {message_dict['stream']!r} before its SCHEMA."
            )
        super()._process_activate_version_message(message_dict)

    def _process_batch_message(self, message_dict: dict[str, Any]) -> None:
        raise InvalidInputLine(
            "target-dokus takes no BATCH messages; run the tap without `batch_config`."
        )

    def config_checks(self) -> list[str]:
        return config_problems(self.config)

    @cached_property
    def secrets(self) -> list[str]:
        """The password, and the basic-auth value it is sent in (a server may quote it)."""
        secrets = secret_values(dict(self.config), self.config_jsonschema)
        if self.config.get("password"):
            secrets.append(basic_auth_value(self.config.get("email"), self.config["password"]))
        return secrets

    @property
    def writer(self) -> DokusWriter:
        """Built for the first mapped stream, so --about and skipped streams open nothing."""
        if self._writer is None:
            self._writer = DokusWriter(
                self.config,
                self.logger,
                self.secrets,
                state_gate=self.state_gate,
                input_line=lambda: self.message_reader.line_number,
            )
        return self._writer

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        """DokusSink for a stream routed to a Dokus resource (routing.py), else one that skips.

        singer-sdk's `add_sink` (final) calls what this returns with target, stream_name,
        schema and key_properties only; the partial adds the run's writer and the resource,
        so the sink receives them instead of reaching back into the target.
        """
        resource = resource_for(self.config, stream_name)
        if resource is None:
            if stream_name not in self._skipped_streams:
                self._skipped_streams.add(stream_name)
                self.logger.info(
                    "Stream %r maps to no Dokus resource (see stream_resources); its records "
                    "are skipped",
                    stream_name,
                )
            return IgnoredStreamSink
        sink = partial(DokusSink, writer=self.writer, resource_name=resource)
        return cast("type[Sink]", sink)  # a callable of the class's shape (see above)

    def process_endofpipe(self) -> None:
        """Drain (the last states go out), summarise, and fail if anything was dead-lettered."""
        writer = self._writer
        if writer is not None:
            writer.input_ended = True  # references still unresolved now are refused
        try:
            super().process_endofpipe()
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            return
        writer.tally.log_summary(self.logger)
        refused = writer.refusal_summary()
        if refused:
            raise DokusRunError(refused)

    @classmethod
    def fatal_message(cls, exc: BaseException) -> str | None:
        """Our run errors end with one clear line and exit code 1 (OneLineFatalErrorsMixin)."""
        if isinstance(exc, DokusRunError):
            return str(exc)
        if isinstance(exc, BAD_INPUT_ERRORS):
            return bad_input_message(exc)
        return default_fatal_message(exc)
