"""Errors that end a run: one actionable log line and exit code 1, not a traceback.

singer-sdk logs an uncaught exception with its whole traceback. For failures a user can act on
(the API refused us, retries ran out, the server is unreachable) our message already says what
happened and what to do, so the traceback is only noise in `meltano run` logs. Anything else
(a bug) still raises with its traceback.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import requests
from singer_sdk.exceptions import (
    ConfigValidationError,
    FatalAPIError,
    MappingError,
    RetriableAPIError,
)

from connector_common.input_files import (
    BadInputFileError,
    check_catalog,
    parse_json_object,
    read_json_object,
)

FatalMessage = Callable[[BaseException], "str | None"]


def default_fatal_message(
    exc: BaseException, *, tries: int | None = None, service: str = "the server"
) -> str | None:
    """The one line for errors every plugin shares, or None for an unexpected error.

    `tries` and `service` let a plugin say how often it tried and whom it could not reach.
    """
    if isinstance(exc, FatalAPIError | BadInputFileError):
        return str(exc)
    if isinstance(exc, MappingError):  # a stream map that does not parse or does not fit
        return f"stream_maps: {' '.join(str(exc).split())} Fix the stream map in the settings."
    gave_up = f"Gave up after {tries} tries" if tries else "Gave up after the last retry"
    if isinstance(exc, RetriableAPIError):
        hint = "run again later"
        if exc.response is not None and exc.response.status_code == 429:
            hint += " or lower `requests_per_minute`"
        return f"{exc} {gave_up}: {hint}."
    if isinstance(exc, requests.exceptions.RequestException):
        return (
            f"{exc} {gave_up}: check `base_url` and that {service} is reachable from here "
            "(or raise `timeout`)."
        )
    return None


@contextmanager
def exit_on_fatal_errors(logger: logging.Logger, describe: FatalMessage) -> Iterator[None]:
    """Log a fatal error as its one line and exit 1; let anything unexpected raise as usual."""
    try:
        yield
    except ConfigValidationError as exc:  # a setting found wrong after start-up (discovery)
        for error in exc.errors or [str(exc)]:
            logger.error("%s", error)
        raise SystemExit(1) from None
    except Exception as exc:
        message = describe(exc)
        if message is None:
            raise
        logger.error("%s", message)
        raise SystemExit(1) from None


if TYPE_CHECKING:  # a mixin: the type checker sees the plugin class it is mixed into
    from singer_sdk.plugin_base import PluginBase as _Plugin
else:
    _Plugin = object


class OneLineFatalErrorsMixin(_Plugin):
    """Mix into a Tap or Target (before it): its CLI modes end fatal errors with one line.

    The config, catalog and state files are checked here, before singer-sdk reads them (it
    would end a file that is not JSON, or JSON of the wrong shape, with a traceback).
    Override `fatal_message` to name the plugin's own fatal errors, `state_problem` to refuse
    bookmarks the plugin cannot start from.
    """

    @classmethod
    def fatal_message(cls, exc: BaseException) -> str | None:
        return default_fatal_message(exc)

    @classmethod
    def state_problem(cls, state: dict[str, Any]) -> str | None:
        """What is wrong with a state the plugin was given, or None."""
        return None

    @classmethod
    def cb_config(cls, ctx: Any, param: Any, value: tuple[str, ...]) -> Any:
        """`--config` is read by click before anything else runs: check each file here."""
        with exit_on_fatal_errors(cls.logger, cls.fatal_message):
            for path in value:
                if path != "ENV":
                    read_json_object(path, "config")
            return super().cb_config(ctx, param, value)

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> Any:
        with exit_on_fatal_errors(cls.logger, cls.fatal_message):
            for kind in ("catalog", "state"):
                if kwargs.get(kind) is not None:
                    kwargs[kind] = cls._checked_file(kind, kwargs[kind])
            return super().invoke(*args, **kwargs)

    @classmethod
    def _checked_file(cls, kind: str, handle: Any) -> io.StringIO:
        """The file's text, once it is known to be a catalog/state singer-sdk can read."""
        name = getattr(handle, "name", kind)
        try:
            text = handle.read()
        except UnicodeDecodeError:
            raise BadInputFileError(f"{kind} file {name}: is not UTF-8 text.") from None
        value = parse_json_object(text, kind, name)
        if kind == "catalog":
            check_catalog(value, name)
        else:
            problem = cls.state_problem(value)
            if problem:
                raise BadInputFileError(f"state file {name}: {problem}.")
        return io.StringIO(text)

    @classmethod
    def cb_test(cls, *args: Any, **kwargs: Any) -> Any:
        """`--test` builds the tap (and may discover) inside a click callback."""
        with exit_on_fatal_errors(cls.logger, cls.fatal_message):
            # Tap-only hooks: the type checker's base here is PluginBase, not Tap.
            return super().cb_test(*args, **kwargs)  # type: ignore[misc]

    def run_discovery(self) -> str:
        with exit_on_fatal_errors(self.logger, self.fatal_message):
            discovered: str = super().run_discovery()  # type: ignore[misc]  # Tap-only, as above
            return discovered
