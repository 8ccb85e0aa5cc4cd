"""Errors that end a run: one actionable log line and exit code 1, not a traceback.

singer-sdk logs an uncaught exception with its whole traceback. For failures a user can act on
(the API refused us, retries ran out, the server is unreachable) our message already says what
happened and what to do, so the traceback is only noise in `meltano run` logs. Anything else
(a bug) still raises with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

FatalMessage = Callable[[BaseException], "str | None"]


def default_fatal_message(exc: BaseException) -> str | None:
    """The one line for errors every plugin shares, or None for an unexpected error."""
    if isinstance(exc, FatalAPIError):
        return str(exc)
    if isinstance(exc, RetriableAPIError):
        return f"{exc} Gave up after the last retry: run again later."
    if isinstance(exc, requests.exceptions.RequestException):
        return f"{exc}: check `base_url` and that the server is reachable (or raise `timeout`)."
    return None


@contextmanager
def exit_on_fatal_errors(logger: logging.Logger, describe: FatalMessage) -> Iterator[None]:
    """Log a fatal error as its one line and exit 1; let anything unexpected raise as usual."""
    try:
        yield
    except Exception as exc:
        message = describe(exc)
        if message is None:
            raise
        logger.error("%s", message)
        raise SystemExit(1) from None


class OneLineFatalErrorsMixin:
    """Mix into a Tap or Target (before it): its CLI modes end fatal errors with one line.

    Override `fatal_message` to name the plugin's own fatal errors.
    """

    logger: logging.Logger

    @classmethod
    def fatal_message(cls, exc: BaseException) -> str | None:
        return default_fatal_message(exc)

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> Any:
        with exit_on_fatal_errors(cls.logger, cls.fatal_message):
            return super().invoke(*args, **kwargs)  # type: ignore[misc]

    @classmethod
    def cb_test(cls, *args: Any, **kwargs: Any) -> Any:
        """`--test` builds the tap (and may discover) inside a click callback."""
        with exit_on_fatal_errors(cls.logger, cls.fatal_message):
            return super().cb_test(*args, **kwargs)  # type: ignore[misc]

    def run_discovery(self) -> str:
        with exit_on_fatal_errors(self.logger, self.fatal_message):
            return super().run_discovery()  # type: ignore[misc]
