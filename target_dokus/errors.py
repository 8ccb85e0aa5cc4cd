"""What can go wrong talking to Dokus, sorted by what the target does about it."""

from __future__ import annotations

from singer_sdk.exceptions import (
    InvalidJSONSchema,
    InvalidRecord,
    MissingKeyPropertiesError,
    RecordsWithoutSchemaException,
)
from singer_sdk.singerlib.exceptions import InvalidInputLine

# Singer input the target cannot take: the tap (or a stream map) must change, not Dokus.
BAD_INPUT_ERRORS = (
    InvalidInputLine,
    InvalidJSONSchema,
    InvalidRecord,
    MissingKeyPropertiesError,
    RecordsWithoutSchemaException,
)


class DokusRunError(Exception):
    """Stops the whole run with a one-line message and exit code 1 (no state past it)."""


class DokusAuthError(DokusRunError):
    """Dokus refused the e-mail/password: every further request would fail too."""


class DokusRecordError(Exception):
    """Dokus refused this one record (validation, missing id, read-only): dead-letter or fail."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class DokusUnavailableError(DokusRecordError):
    """Retries ran out (429, 5xx, connection errors): the record is dead-lettered."""


class DokusAmbiguousError(Exception):
    """A create may or may not have happened (connection lost, unreadable 2xx body)."""
