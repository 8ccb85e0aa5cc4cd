"""Singer messages to stdout: RECORD lines are gathered, every other message writes them first.

singer-sdk's MsgSpecWriter flushes stdout after every message: one system call per record
(and with PYTHONUNBUFFERED, common in containers, stdout has no buffer of its own at all).
A RECORD line only has to reach the target before the STATE message that covers it, so RECORD
lines gather in this writer's buffer and go out in pieces of about 64 KB, or before the next
other message (STATE, SCHEMA, ACTIVATE_VERSION, which the SDK's writer writes and flushes as
before), or at the end of the sync (`flush`), or, should a run end another way (singer-sdk's
`--test` dry run), when the interpreter exits. Same bytes, same order.

`write_record` is the streams' way in (record_messages.py): the line is encoded from the
record's parts, without building a RecordMessage to take apart again.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
from datetime import datetime
from typing import Any

from singer_sdk.contrib.msgspec import MsgSpecWriter, encoder
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.encoding.simple import Message

FLUSH_BYTES = 64 * 1024


class BufferedRecordsWriter(MsgSpecWriter):
    """MsgSpecWriter whose RECORD lines wait in a buffer until a message that is not one."""

    def __init__(self) -> None:
        super().__init__()
        self._lines = bytearray()
        atexit.register(self._write_lines_at_exit)

    def write_record(
        self, stream: str, record: dict[str, Any], version: int | None, extracted: datetime | None
    ) -> None:
        """The line RecordMessage(stream, record, version, extracted) would give."""
        message: dict[str, Any] = {"type": "RECORD", "stream": stream, "record": record}
        if version is not None:
            message["version"] = version
        if extracted is not None:
            message["time_extracted"] = extracted
        lines = self._lines
        encoder.encode_into(message, lines, -1)
        lines += b"\n"
        if len(lines) >= FLUSH_BYTES:
            self._write_lines()

    def write_message(self, message: Message) -> None:
        if isinstance(message, RecordMessage):  # (the streams call write_record themselves)
            self.write_record(
                message.stream, message.record, message.version, message.time_extracted
            )
        else:
            self._write_lines()
            super().write_message(message)  # (which flushes stdout)

    def flush(self) -> None:
        """Write out the gathered RECORD lines and flush stdout (the end of a sync)."""
        self._write_lines()
        sys.stdout.flush()

    def _write_lines(self) -> None:
        if self._lines:
            sys.stdout.buffer.write(self._lines)
            self._lines.clear()

    def _write_lines_at_exit(self) -> None:
        if self._lines:
            with contextlib.suppress(OSError, ValueError):  # the reader is gone: nothing to do
                self._write_lines()
                sys.stdout.flush()
