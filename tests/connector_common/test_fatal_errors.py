"""Fatal errors a user can act on end with their line and exit 1; bugs keep their traceback."""

from __future__ import annotations

import logging

import pytest
from singer_sdk.exceptions import FatalAPIError

from connector_common.fatal_errors import default_fatal_message, exit_on_fatal_errors


def test_actionable_error_is_logged_once_and_exits_1(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("plugin-under-test")
    with (
        caplog.at_level(logging.ERROR),
        pytest.raises(SystemExit) as exit_info,
        exit_on_fatal_errors(logger, default_fatal_message),
    ):
        raise FatalAPIError("The API key was rejected: check `api_key`.")
    assert exit_info.value.code == 1
    assert [r.getMessage() for r in caplog.records] == [
        "The API key was rejected: check `api_key`."
    ]
    assert caplog.records[0].exc_info is None


def test_unexpected_errors_still_raise() -> None:
    with (
        pytest.raises(ZeroDivisionError),
        exit_on_fatal_errors(logging.getLogger("x"), default_fatal_message),
    ):
        _ = 1 / 0


def test_a_setting_found_wrong_during_discovery_is_its_own_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from singer_sdk.exceptions import ConfigValidationError

    with (
        caplog.at_level(logging.ERROR),
        pytest.raises(SystemExit) as exit_info,
        exit_on_fatal_errors(logging.getLogger("plugin-under-test"), default_fatal_message),
    ):
        raise ConfigValidationError(
            "Config validation failed", errors=["filters.x: no such table."]
        )
    assert exit_info.value.code == 1
    assert [r.getMessage() for r in caplog.records] == ["filters.x: no such table."]
