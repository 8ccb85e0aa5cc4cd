"""Errors that end a run: one actionable log line and exit code 1, not a traceback.

singer-sdk logs an uncaught exception with its whole traceback. For the failures a user can act
on (Directus refused us, retries ran out, the server is unreachable, paging went wrong) the
message already says what happened and what to do, so the traceback is only noise.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_directus.client import MAX_TRIES
from tap_directus.paging import PagingError


def fatal_message(exc: BaseException) -> str | None:
    """The one line to print for `exc`, or None when it is not an error the user can act on."""
    if isinstance(exc, FatalAPIError | PagingError):
        return str(exc)
    if isinstance(exc, RetriableAPIError):
        hint = "run again later"
        if exc.response is not None and exc.response.status_code == 429:
            hint += " or lower `requests_per_minute`"
        return f"{exc} Gave up after {MAX_TRIES} tries: {hint}."
    if isinstance(exc, requests.exceptions.RequestException):
        return (
            f"{exc} Gave up after {MAX_TRIES} tries: check `base_url` and that Directus is "
            "reachable from here (or raise `timeout`)."
        )
    return None


@contextmanager
def exit_on_fatal_errors(logger: logging.Logger) -> Iterator[None]:
    """Log a fatal error as its one line and exit 1; let anything unexpected raise as usual."""
    try:
        yield
    except Exception as exc:
        message = fatal_message(exc)
        if message is None:
            raise
        logger.error("%s", message)
        raise SystemExit(1) from None
