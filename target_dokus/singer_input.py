"""Read Singer input line by line, and say in one line which line is wrong and how.

singer-sdk's reader logs a line that is not JSON with a traceback and the whole line (which can
hold customer data), crashes with a TypeError on JSON that is not an object, and names no
line number for any error. This reader numbers the lines (the number also tells a record's
position in the input), decodes UTF-8 itself, checks each message's shape before singer-sdk
sees it, and turns every bad-input error into `BadSingerInputError` with the line number.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from singer_sdk.exceptions import InvalidRecord, MissingKeyPropertiesError
from singer_sdk.singerlib.encoding.simple import SimpleSingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json

from target_dokus.errors import BAD_INPUT_ERRORS

MESSAGE_TYPES = ("SCHEMA", "RECORD", "STATE", "ACTIVATE_VERSION", "BATCH")
# What each message type must carry, and of which JSON type.
_REQUIRED: dict[str, dict[str, type]] = {
    "SCHEMA": {"stream": str, "schema": dict},
    "RECORD": {"stream": str, "record": dict},
    "STATE": {"value": dict},
    "ACTIVATE_VERSION": {"stream": str},
    "BATCH": {"stream": str},
}
SINGER_INPUT_ERRORS = BAD_INPUT_ERRORS
_JSON_TYPES: dict[type, str] = {dict: "an object", str: "a string", list: "a list"}


class BadSingerInputError(InvalidInputLine):
    """Singer input the target cannot take; the message is the one line to show."""


def _fix(exc: BaseException | None) -> str:
    if isinstance(exc, InvalidRecord | MissingKeyPropertiesError):
        return "Fix the tap's output or reshape it with stream_maps."
    return "Fix the tap's output."


def bad_input_message(exc: BaseException) -> str:
    """The one line for one of singer-sdk's bad-input errors, without quoting the input."""
    if isinstance(exc, BadSingerInputError):
        return str(exc)
    return _message(getattr(exc, "singer_line", None), str(exc), exc)


def _message(line: int | None, text: str, exc: BaseException | None = None) -> str:
    text = re.sub(r",? *Record Keys: .*", "", text, flags=re.DOTALL)
    text = re.sub(r"(key\(s\)): \{.*", r"\1", text, flags=re.DOTALL)  # no dump of the line
    text = " ".join(text.split())
    where = f"line {line}: " if line else ""
    return f"Bad Singer input, nothing after it was written: {where}{text} {_fix(exc)}"


def bad_input(line: int, text: str) -> BadSingerInputError:
    """Bad input at `line`, said without quoting the input itself."""
    return BadSingerInputError(_message(line, text))


class NumberedSingerReader(SimpleSingerReader):
    """singer-sdk's reader with line numbers, strict UTF-8 and one-line errors."""

    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0

    def process_lines(
        self, file_input: IO[str] | None, callbacks: dict[str, Callable[[dict[str, Any]], None]]
    ) -> Any:
        # sys.stdin when called, not at import (singer-sdk's default_input): tests swap it
        source = file_input if file_input is not None else sys.stdin
        try:
            # the base only iterates `file_input`: numbered, decoded lines are enough
            return super().process_lines(self._lines(source), callbacks)  # type: ignore[arg-type]
        except BadSingerInputError:
            raise
        except SINGER_INPUT_ERRORS as exc:
            # singer-sdk's own error, kept (its standard tests expect the type), with the line
            # (an attribute singer-sdk's exception classes do not declare: bad_input_message)
            exc.singer_line = self.line_number  # type: ignore[union-attr]
            raise
        except UnicodeDecodeError:
            raise bad_input(
                self.line_number + 1, "is not UTF-8 text; the tap must write UTF-8."
            ) from None

    def _lines(self, source: IO[str]) -> Iterator[str]:
        """Non-blank lines, decoded from bytes when the source has them (stdin)."""
        raw: Iterable[Any] = getattr(source, "buffer", source)
        for number, read in enumerate(raw, start=1):
            self.line_number = number
            line = read
            if isinstance(read, bytes):
                try:
                    line = read.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise bad_input(
                        number,
                        f"is not UTF-8 text (byte {read[exc.start]:#04x} at column "
                        f"{exc.start + 1}); the tap must write UTF-8.",
                    ) from None
            if line.strip():
                yield line

    def deserialize_json(self, line: str) -> dict[str, Any]:
        try:
            message = deserialize_json(line)
        except ValueError as exc:
            detail = getattr(exc, "msg", str(exc))
            column = getattr(exc, "colno", None)
            if not line.endswith("\n"):  # the last line, cut off
                problem = "the input ends in the middle of a message (was the tap stopped?)."
            else:
                problem = f"is not JSON ({detail}, column {column})."
            raise bad_input(self.line_number, problem) from None
        if not isinstance(message, dict):
            raise bad_input(self.line_number, "is JSON but not a Singer message (an object).")
        self._check_shape(message)
        return message

    def _check_shape(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind is None:
            raise bad_input(self.line_number, "has no `type`.")
        if kind not in _REQUIRED:
            raise bad_input(
                self.line_number,
                f"unknown message type {str(kind)[:40]!r}; Singer messages are "
                f"{', '.join(MESSAGE_TYPES)}.",
            )
        for key, expected in _REQUIRED[kind].items():
            if key not in message:
                raise bad_input(
                    self.line_number, f"Line is missing required {key} key(s) of a {kind} message."
                )
            if not isinstance(message[key], expected):
                raise bad_input(
                    self.line_number,
                    f"{kind} message whose `{key}` is not {_JSON_TYPES[expected]}.",
                )
        if kind == "SCHEMA" and not isinstance(message["schema"].get("properties"), dict):
            raise bad_input(
                self.line_number, f"SCHEMA of stream {message['stream']!r} has no `properties`."
            )
