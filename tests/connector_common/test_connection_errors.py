"""connection_problem: the kind of failure in words, never the URL (which may hold a token)."""

from __future__ import annotations

import pytest
import requests

from connector_common.connection_errors import connection_problem


def test_refused_connection_is_named_without_the_url() -> None:
    with pytest.raises(requests.ConnectionError) as error:
        requests.get("http://127.0.0.1:9/x?access_token=s3cret-token", timeout=5)
    problem = connection_problem(error.value)
    assert problem == "connection refused"


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (requests.exceptions.ReadTimeout("read timed out"), "no answer in time"),
        (
            requests.exceptions.ChunkedEncodingError("IncompleteRead(1 bytes)"),
            "the answer broke off",
        ),
        (requests.ConnectionError("NameResolutionError(...)"), "host name not found"),
        (requests.ConnectionError("something else"), "ConnectionError"),
    ],
)
def test_each_kind_of_failure_has_its_words(exc: BaseException, words: str) -> None:
    assert connection_problem(exc) == words
