"""A stream map that fails on one record: one line and exit 1, not a traceback.

singer-sdk wraps only simpleeval's own errors (an unknown name) in MapExpressionError; an
expression that raises on a record's values (`record['x']` on a record without x, `int(price)`
on "n/a") escapes as a bare KeyError, ValueError, ... The target stops on it, after the records
before it have landed (so the last state covers them and a re-run resumes at this record).
It does not dead-letter the record: a dead letter holds the record as its sink would have
seen it, after the map, and the map is what failed; replaying the record as it came would
send it past the stream maps that should reshape it.
"""

from __future__ import annotations

from singer_sdk import mapper
from singer_sdk.exceptions import MapExpressionError

_MAPPER_FILE = mapper.__file__


def raised_in_stream_map(exc: BaseException) -> bool:
    """True when `exc` came out of a stream map's transform (singer_sdk/mapper.py)."""
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == _MAPPER_FILE:
            return True
        trace = trace.tb_next
    return False


def _cause(exc: BaseException) -> str:
    """What went wrong, without the record's values (they may be personal data)."""
    if isinstance(exc, MapExpressionError):
        return " ".join(str(exc).split())  # names the expression (settings), not the record
    if isinstance(exc, KeyError) and exc.args:
        return f"KeyError: no field {exc.args[0]!r}"  # a field name of the map's expression
    return type(exc).__name__


def stream_map_failure(exc: BaseException, stream: str, line: int) -> str:
    """The one line for a stream map that failed on the record at input `line`."""
    return (
        f"stream_maps: the stream map of {stream!r} failed on the record at input line {line} "
        f"({_cause(exc)}); nothing from it on was written. Fix the stream map in the settings "
        "(or the record in the tap) and run again."
    )
