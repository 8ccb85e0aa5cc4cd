"""Secrets are masked in any text we print."""

from connector_common.redaction import MASK, redact, secret_values


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
