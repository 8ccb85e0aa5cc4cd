"""target-dokus: upsert Singer streams into Dokus customers, groups, products, draft invoices."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from singer_sdk import Target
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.sinks import Sink

from connector_common import DISTRIBUTION_NAME
from connector_common.config_errors import ValidatedConfigMixin
from connector_common.fatal_errors import OneLineFatalErrorsMixin, default_fatal_message
from connector_common.log_redaction import RedactedLogsMixin
from connector_common.redaction import basic_auth_value, secret_values
from connector_common.unknown_settings import UnknownSettingsMixin
from target_dokus.errors import BAD_INPUT_ERRORS, DokusRunError
from target_dokus.run import DokusRun
from target_dokus.settings import CONFIG_SCHEMA, config_problems, resource_problem
from target_dokus.singer_input import NumberedSingerReader, bad_input_message
from target_dokus.sinks import DokusSink, IgnoredStreamSink
from target_dokus.state_gate import StateGate


class TargetDokus(
    OneLineFatalErrorsMixin, UnknownSettingsMixin, ValidatedConfigMixin, RedactedLogsMixin, Target
):
    """Singer target for the Dokus invoicing API (https://SUBDOMAIN.dokus.no)."""

    name = "target-dokus"
    package_name = DISTRIBUTION_NAME
    config_jsonschema = CONFIG_SCHEMA
    default_sink_class = DokusSink
    message_reader_class = NumberedSingerReader
    message_reader: NumberedSingerReader

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._run: DokusRun | None = None
        self._skipped_streams: set[str] = set()
        self.state_gate = StateGate(self._write_state_message)
        super().__init__(*args, **kwargs)

    def _process_state_message(self, message_dict: dict) -> None:
        """Hand the state to the gate: out as soon as the records before it are handled.

        singer-sdk would only keep it for the next full drain (end of input, SIGTERM, or
        every five minutes); the gate is the only one that emits state.
        """
        self._assert_line_requires(message_dict, requires={"value"})
        if message_dict["value"]:
            self.state_gate.state_read(message_dict["value"])

    def input_line(self) -> int:
        """The number of the Singer input line being read (a record's position)."""
        return self.message_reader.line_number

    def _process_activate_version_message(self, message_dict: dict) -> None:
        if message_dict["stream"] not in self.mapper.stream_maps:
            raise InvalidInputLine(
                f"ACTIVATE_VERSION for stream {message_dict['stream']!r} before its SCHEMA."
            )
        super()._process_activate_version_message(message_dict)

    def _process_batch_message(self, message_dict: dict) -> None:
        raise InvalidInputLine(
            "target-dokus takes no BATCH messages; run the tap without `batch_config`."
        )

    def note_skipped_stream(self, stream_name: str) -> bool:
        """True the first time a stream is skipped, so it gets exactly one log line."""
        first = stream_name not in self._skipped_streams
        self._skipped_streams.add(stream_name)
        return first

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
    def run(self) -> DokusRun:
        """Created on the first mapped stream, so --about and skipped streams open nothing."""
        if self._run is None:
            self._run = DokusRun(self.config, self.logger, self.secrets)
        return self._run

    def resource_for(self, stream_name: str) -> str | None:
        """The Dokus resource a stream goes to (stream_resources, else its own name)."""
        mapping = self.config.get("stream_resources") or {}
        resource = mapping.get(stream_name, stream_name)
        problem = resource_problem(stream_name, resource)
        # refused when asked for explicitly, or when the stream is named after sent invoices;
        # any other stream named like no resource is skipped
        if problem and (stream_name in mapping or resource == "sent_invoices"):
            raise DokusRunError(problem)
        return None if problem else resource

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        return DokusSink if self.resource_for(stream_name) else IgnoredStreamSink

    def process_endofpipe(self) -> None:
        """Drain (the last states go out), summarise, and fail if anything was dead-lettered."""
        if self._run is not None:
            self._run.input_ended = True  # references still unresolved now are refused
        try:
            super().process_endofpipe()
        finally:
            if self._run is not None:
                self._run.close()
        if self._run is None:
            return
        self._run.log_summary()
        refused = self._run.refusal_summary()
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


if __name__ == "__main__":
    TargetDokus.cli()
