"""Sinks: one for streams mapped to a Dokus resource, one that skips unmapped streams.

DokusSink hands each record to a worker lane and counts it as pending. The run's state gate
numbers each record and lets a STATE out once every record before it is written or
dead-lettered; `process_batch` (singer-sdk's drain) waits for every pending record. So state
moves as data lands, and never past a record still in flight or failed. A sink gets all it
uses (lanes, upserter, dead letters, state gate) from the run's DokusWriter, given at
construction; it never reaches back into the target.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from singer_sdk import Target
from singer_sdk.helpers.conform import DatetimeErrorTreatmentEnum
from singer_sdk.sinks import Sink

from target_dokus.errors import DokusRecordError, DokusRunError
from target_dokus.invoice_lines import typed_schema
from target_dokus.record_checks import RecordChecker, SchemaViolation
from target_dokus.relations import ReferenceQueue
from target_dokus.resources import DELETED_AT, RESOURCES
from target_dokus.writer import DokusWriter


class DokusSink(Sink):
    """Writes a stream's records to one Dokus resource (upsert, or delete).

    `writer` is the run's DokusWriter (client, lanes, indexes, dead letters, state gate) and
    `resource_name` the resource the target routed the stream to (routing.py).
    """

    def __init__(
        self,
        target: Target,
        stream_name: str,
        schema: dict[str, Any],
        key_properties: Sequence[str] | None,
        *,
        writer: DokusWriter,
        resource_name: str,
    ) -> None:
        self.writer = writer
        self.resource_name = resource_name
        self._checker: RecordChecker | None = None
        self._pending: list[Future[Any]] = []
        self.references: ReferenceQueue | None = None
        schema = typed_schema(RESOURCES[resource_name], schema)
        super().__init__(target, stream_name, schema, key_properties)

    @property
    def include_sdc_metadata_properties(self) -> bool:
        """Always keep `_sdc_deleted_at`: singer-sdk strips it otherwise, and it marks deletions.

        The `_sdc_*` fields this adds are dropped again before anything is sent to Dokus.
        """
        return True

    def setup(self) -> None:
        # Reading the index here, on the reader's thread, makes a wrong password stop the run
        # at the first request, before any record is queued.
        self.upserter = self.writer.upserter(self.resource_name)
        resolver = self.writer.resolver(self.resource_name)
        if resolver is not None:  # references by natural key wait for their record
            self.references = ReferenceQueue(
                resolver,
                self._submit,
                self._lane_of,
                self.writer.settle,
                dry_run=self.writer.dry_run,
            )

    def get_validator(self) -> RecordChecker | None:
        """Our checker keeps a violation for `process_record` instead of ending the run."""
        self._checker = RecordChecker(self.schema) if self.validate_schema else None
        return self._checker

    def _parse_timestamps_in_record(
        self, record: dict[str, Any], schema: dict[str, Any], treatment: DatetimeErrorTreatmentEnum
    ) -> None:
        """singer-sdk's date-time parsing, but an unparsable value is a violation, not a crash."""
        if self._checker is None:
            super()._parse_timestamps_in_record(record, schema, treatment)
            return
        if self._checker.violation is not None:
            return  # dead-lettered as it came
        original = dict(record)
        try:
            super()._parse_timestamps_in_record(record, schema, treatment)
        except ValueError as exc:
            field = str(exc).split("field '", 1)[-1].split("'", 1)[0]
            self._checker.flag_unparsable(field, "is not a valid date-time", original)

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        self.writer.raise_if_failed()
        if self._checker is not None and self._checker.violation is not None:
            self._refuse_violation(self._checker.violation)
            return
        deleted_at = record.get(DELETED_AT)
        clean = {k: v for k, v in record.items() if not k.startswith("_sdc_")}
        number = self.writer.state_gate.record_read()
        if self.references is not None:
            self.references.add(clean, deleted_at, number)
        else:
            self._submit(clean, deleted_at, number, None)

    def _lane_of(self, record: dict[str, Any]) -> Any:
        return self.upserter.lane_key(record, self.upserter.prepare(record)[1])

    def _submit(
        self, clean: dict[str, Any], deleted_at: Any, number: int, refusal: str | None
    ) -> None:
        """Hand one record to its lane; `refusal`: dead-letter it with that reason instead."""
        payload, key = self.upserter.prepare(clean)
        lane = self.upserter.lane_key(clean, key)

        def job() -> str:
            outcome = self._write(clean, payload, key, deleted_at, refusal)
            # Written or dead-lettered: state may pass it (before the future completes, so a
            # drain that waits for the future also waits for the state it lets out).
            self.writer.state_gate.record_done(number)
            return outcome

        future = self.writer.lanes.submit(lane, job)
        self._pending.append(future)
        self.writer.track(self.resource_name, future)

    def _refuse_violation(self, violation: SchemaViolation) -> None:
        """Dead-letter a record that violates its schema (on the reader: in input order)."""
        message = violation.describe(self.stream_name, self.writer.input_line())
        if self.writer.on_error == "fail":
            # Let the records before it land first, so the last state covers them.
            for future in self._pending:
                future.exception()
            failure = DokusRunError(
                f"{message} (on_error is fail; fix the tap's output or reshape it with "
                "stream_maps; nothing after it was written)"
            )
            self.writer.fail(failure)
            raise failure
        record = {
            k: v
            for k, v in violation.record.items()
            if not k.startswith("_sdc_") or k == DELETED_AT
        }
        if record.get(DELETED_AT) is None:
            record.pop(DELETED_AT, None)
        self.writer.dead_letters.append(
            record=record,
            stream=self.stream_name,
            resource=self.resource_name,
            status=None,
            message=message,
        )
        self.writer.tally.note_schema_refusal(self.resource_name)
        self.logger.warning("%s: dead-lettered", message)

    def _write(
        self,
        record: dict[str, Any],
        payload: dict[str, Any],
        key: Any,
        deleted_at: Any,
        refusal: str | None = None,
    ) -> str:
        """Runs on a lane: write one record; a refusal is dead-lettered or stops the run."""
        writer = self.writer
        deleted = deleted_at is not None
        try:
            if refusal is not None:
                raise DokusRecordError(None, refusal)
            outcome = self.upserter.write(record, payload, key, deleted=deleted)
        except DokusRecordError as exc:
            if writer.on_error == "fail":
                failure = DokusRunError(
                    f"Dokus refused a record of stream {self.stream_name!r} "
                    f"({self.resource_name}, HTTP {exc.status or '-'}): {exc.message} "
                    "(on_error is fail; nothing after it was confirmed)"
                )
                writer.fail(failure)
                raise failure from None
            if deleted:
                record = {**record, DELETED_AT: deleted_at}
            writer.dead_letters.append(
                record=record,
                stream=self.stream_name,
                resource=self.resource_name,
                status=exc.status,
                message=exc.message,
            )
            outcome = "dead_lettered"
        except Exception as exc:  # auth failure, or a bug: stop every lane, no state past it
            writer.fail(exc)
            raise
        writer.tally.tally(self.resource_name, outcome)
        return outcome

    def process_batch(self, context: dict[str, Any]) -> None:
        """Wait until every record handed to the lanes is written or dead-lettered.

        Records waiting for a reference go first if they resolve now; once the input has
        ended, those that still do not are refused (relations.py).
        """
        if self.references is not None:
            self.references.retry(final=self.writer.input_ended)
        pending, self._pending = self._pending, []
        for future in pending:
            try:
                future.result()
            except BaseException as exc:
                self.writer.fail(exc)
        self.writer.raise_if_failed()


class IgnoredStreamSink(Sink):
    """A stream routed to no Dokus resource (e.g. meltano_test_stream): never written."""

    def get_validator(self) -> None:
        return None  # nothing is written, so nothing to validate

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Skip the record."""

    def process_batch(self, context: dict[str, Any]) -> None:
        """Nothing was kept."""
