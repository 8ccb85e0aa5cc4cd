"""Secrets are masked in any text we print."""

import base64
import json
import logging
import re
from urllib.parse import quote, quote_plus, urlencode

import pytest

from connector_common.log_redaction import SecretsLogFilter
from connector_common.redaction import MASK, basic_auth_value, redact, secret_values


def test_secret_values_and_token_like_url_parameters_are_masked() -> None:
    text = "GET https://x.test/rows?access_token=abc123&limit=2 failed for key s3cr3t-key"
    out = redact(text, ["s3cr3t-key"])
    assert "s3cr3t-key" not in out
    assert "abc123" not in out
    assert f"access_token={MASK}" in out
    assert "limit=2" in out


def test_only_settings_marked_secret_are_collected() -> None:
    schema = {
        "properties": {"api_key": {"secret": True}, "base_url": {}, "token": {"secret": True}}
    }
    config = {"api_key": "k-1", "base_url": "http://x", "token": None}
    assert secret_values(config, schema) == ["k-1"]


# ----- derived forms (issue 10): what a server quoting our request back may show ------------


PASSWORD = 'hemmelig "Ø" pass/ord&1'
EMAIL = "ole.nordmann+test@example.no"


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(PASSWORD, id="raw"),
        pytest.param(quote(PASSWORD, safe=""), id="url-encoded"),
        pytest.param(quote_plus(PASSWORD), id="form-encoded"),
        pytest.param(
            re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(PASSWORD, safe="")),
            id="url-encoded-lowercase-hex",
        ),
        pytest.param(urlencode({"password": PASSWORD}).split("=", 1)[1], id="urlencode"),
        pytest.param(json.dumps(PASSWORD)[1:-1], id="json-escaped-ascii"),
        pytest.param(json.dumps(PASSWORD, ensure_ascii=False)[1:-1], id="json-escaped"),
        pytest.param(base64.b64encode(PASSWORD.encode()).decode(), id="base64"),
    ],
)
def test_every_derived_form_of_a_secret_is_masked(form: str) -> None:
    out = redact(f"server said: <{form}>", [PASSWORD])
    assert out == f"server said: <{MASK}>"


def test_the_basic_auth_value_of_user_and_password_is_masked() -> None:
    header = "Basic " + base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
    secrets = [PASSWORD, basic_auth_value(EMAIL, PASSWORD)]
    assert redact(f"Authorization: {header}", secrets) == f"Authorization: Basic {MASK}"
    # inside a JSON body (the dead-letter file) the value is the same text
    assert header.split()[1] not in redact(json.dumps({"m": header}), secrets)


def test_a_non_secret_email_is_only_masked_when_marked_secret() -> None:
    text = f"email={quote_plus(EMAIL)}"
    assert redact(text, []) == text
    assert redact(text, [EMAIL]) == f"email={MASK}"


def test_the_log_filter_masks_messages_arguments_and_tracebacks() -> None:
    log_filter = SecretsLogFilter()
    log_filter.secrets = [PASSWORD]
    try:
        raise ValueError(quote_plus(PASSWORD))
    except ValueError as exc:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "said %s",
            (json.dumps(PASSWORD),),
            (ValueError, exc, None),
        )
    assert log_filter.filter(record)
    assert record.getMessage() == f'said "{MASK}"'
    assert quote_plus(PASSWORD) not in (record.exc_text or "")
    assert MASK in (record.exc_text or "")
