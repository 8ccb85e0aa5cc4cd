"""Singer messages to stdout: RECORD lines wait in stdout's buffer, every other message flushes.

singer-sdk's MsgSpecWriter flushes stdout after every message: one system call per record.
A RECORD line only has to reach the target before the STATE message that covers it, so
RECORD lines stay in the buffer until the next other message (STATE, SCHEMA, ACTIVATE_VERSION,
which the SDK's writer writes and flushes as before) or the end of the run. Same bytes, same
order; the loader just reads them in larger pieces.
"""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter, serialize_jsonl
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.encoding.simple import Message


class BufferedRecordsWriter(MsgSpecWriter):
    """MsgSpecWriter without its flush after each RECORD line."""

    def write_message(self, message: Message) -> None:
        if message.__class__ is RecordMessage:
            sys.stdout.buffer.write(serialize_jsonl(message.to_dict()))
        else:
            super().write_message(message)
