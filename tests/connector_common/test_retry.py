"""The shared retry policy: Retry-After wins, otherwise 1, 2, 4, 8 s."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests

from connector_common.retry import RetryWaits, is_retryable_status, retry_after_seconds, retry_waits


def _response(headers: dict[str, str], status: int = 429) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    return response


class _Failed(Exception):
    def __init__(self, response: requests.Response | None) -> None:
        super().__init__("failed")
        self.response = response


def test_waits_double_from_one_second_without_retry_after() -> None:
    waits = retry_waits()
    waits.send(None)
    assert [waits.send(_Failed(None)) for _ in range(4)] == [1.0, 2.0, 4.0, 8.0]


def test_retry_after_seconds_overrides_the_exponential_wait() -> None:
    waits = retry_waits()
    waits.send(None)
    assert waits.send(_Failed(_response({"Retry-After": "7"}))) == 7.0
    # the exponential sequence continues where it was for the next failure
    assert waits.send(_Failed(None)) == 2.0


def test_retry_after_http_date_is_converted_to_seconds() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    seconds = retry_after_seconds(_response({"Retry-After": when}))
    assert seconds is not None
    assert 25 <= seconds <= 31


def test_garbage_retry_after_is_ignored() -> None:
    assert retry_after_seconds(_response({"Retry-After": "soon"})) is None
    assert retry_after_seconds(_response({})) is None


def test_retry_waits_object_honours_retry_after_and_adds_only_small_jitter() -> None:
    waits = RetryWaits(base=1.0)
    first = waits.after(_Failed(None))
    asked = waits.after(_Failed(_response({"Retry-After": "7"})))
    assert 1.0 <= first <= 1.15
    assert 7.0 <= asked <= 8.0


@pytest.mark.parametrize(
    ("status", "retried"),
    [
        (429, True),
        (500, True),
        (503, True),
        (599, True),
        (400, False),
        (401, False),
        (404, False),
        (200, False),
    ],
)
def test_429_and_every_5xx_are_retryable(status: int, retried: bool) -> None:
    assert is_retryable_status(status) is retried
