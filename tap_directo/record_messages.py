"""RECORD lines of exactly typed records: singer-sdk's per-record steps, minus those that do nothing.

singer-sdk 0.54 takes every record through three steps before it becomes a RECORD message
(`Stream._generate_record_messages`): pop deselected properties, conform types, stream maps.
Our records leave `post_process` already in their schema's types and order (conform.py), and
the streams declare `TYPE_CONFORMANCE_LEVEL = NONE`, so conformance returns the record as it
is. Popping deselected properties copies every record and looks each field up in the selection
mask: a fifth of the instructions per record (callgrind), for nothing when every property is
selected (the usual catalog). `ExactRecordMessages` runs each step only when it can change the
record, decided once per stream; with a property deselected, or another conformance level, the
SDK's own functions run as before. Stream maps always run (they are the user's); only the
identity map singer-sdk puts there when none is configured is skipped.

Each mapped record goes straight to the writer's `write_record` (message_writer.py): no
RecordMessage is built, written and taken apart again. `time_extracted` is the clock to the
millisecond: one datetime per millisecond instead of one per record.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cached_property
from time import time_ns
from typing import TYPE_CHECKING, Any

from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform

from tap_directo.message_writer import BufferedRecordsWriter

if TYPE_CHECKING:  # a mixin: the type checker sees the stream class it is mixed into
    from singer_sdk.streams import Stream as _Stream
else:
    _Stream = object


class ExactRecordMessages(_Stream):
    """Mix into a Stream (before singer-sdk's classes, after ReportedStreamMixin, which counts
    each record and then calls this): its records are typed already. The stream sets
    `record_writer` (the tap's writer) at construction.
    """

    record_writer: BufferedRecordsWriter
    _extracted_ms: int = -1
    _extracted: datetime

    @cached_property
    def _deselects_properties(self) -> bool:
        """Whether the catalog deselects any property (properties not in the mask follow
        their parent, so an all-True mask keeps every field)."""
        return not all(self.mask.values())

    @cached_property
    def _unmapped_alias(self) -> str | None:
        """The stream's name when its one map is singer-sdk's identity, without flattening (no
        `stream_maps` for it): the record is then written as it is, without the map's calls."""
        maps = self.stream_maps
        only = maps[0] if len(maps) == 1 else None
        if type(only) is SameRecordTransform and not only.flattening_enabled:
            return only.stream_alias
        return None

    def _write_record_message(self, record: dict[str, Any]) -> None:
        """singer-sdk's `_write_record_message`, skipping the steps that change nothing."""
        if self._deselects_properties:
            pop_deselected_record_properties(record, self.schema, self.mask)
        if self.TYPE_CONFORMANCE_LEVEL != TypeConformanceLevel.NONE:
            record = conform_record_data_types(
                stream_name=self.name,
                record=record,
                schema=self.effective_schema,
                level=self.TYPE_CONFORMANCE_LEVEL,
                logger=self.logger,
            )
        ms = time_ns() // 1_000_000
        if ms != self._extracted_ms:
            self._extracted_ms = ms
            self._extracted = datetime.fromtimestamp(ms / 1000, timezone.utc)
        version, write = self._stream_version, self.record_writer.write_record
        alias = self._unmapped_alias
        if alias is not None:
            write(alias, record, version, self._extracted)
        else:
            for stream_map in self.stream_maps:
                mapped_record = stream_map.transform(record)
                if mapped_record is not None:
                    write(stream_map.stream_alias, mapped_record, version, self._extracted)
        self.state_manager.is_flushed = False
