"""A last line of defence: every log line a plugin writes is redacted, tracebacks included.

Our own messages are redacted where they are made, but singer-sdk, requests and urllib3 log too
(a backoff line quoting an exception, a traceback quoting a local variable). The filter sits on
the root logger's handlers, which every logger propagates to, and reads the plugin's secret
list live, so a token obtained during the run is masked from then on.
"""

from __future__ import annotations

import logging
from typing import Any

from connector_common.redaction import redact


class SecretsLogFilter(logging.Filter):
    """Masks the current plugin's secrets (every form, see `redact`) in a log record."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install_log_redaction(secrets: list[str]) -> None:
    """Redact `secrets` (the live list) in everything the root logger's handlers write."""
    for handler in logging.getLogger().handlers:
        found = [f for f in handler.filters if isinstance(f, SecretsLogFilter)]
        log_filter = found[0] if found else SecretsLogFilter()
        if not found:
            handler.addFilter(log_filter)
        log_filter.secrets = secrets


class RedactedLogsMixin:
    """Mix into a Tap/Target that has a `secrets` list: its logs never show them."""

    @property
    def secrets(self) -> list[str]:
        """The values to mask; each plugin defines it (a cached_property of its config)."""
        raise NotImplementedError

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_log_redaction(self.secrets)
