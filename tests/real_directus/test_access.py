"""Auth styles, a wrong token, wrong base_urls (finding 4) and secrets (finding 3), for real."""

from __future__ import annotations

import logging
import time

import pytest
from singer_sdk.exceptions import FatalAPIError

from tests.real_directus.server import RealDirectus
from tests.real_directus.tables import content_table, run_tap

SECRET_COLUMNS = ("token", "access_token", "reset_token", "invite_token")


@pytest.fixture(scope="module")
def small_table(real_directus: RealDirectus) -> str:
    if not real_directus.has_table("small"):
        content_table(real_directus, "small", 5)
    return "small"


@pytest.mark.parametrize("style", ["bearer", "basic", "query", "password"])
def test_every_auth_style_syncs(
    real_directus: RealDirectus, admin_tz: str, small_table: str, style: str
) -> None:
    if style == "password":
        config = {
            "base_url": real_directus.url,
            "email": real_directus.email,
            "password": real_directus.password,
        }
    else:
        config = real_directus.tap_config(auth_method=style)
    out, sent = run_tap({**config, "tables": [small_table]})
    assert [r["id"] for r in out.records[small_table]] == [1, 2, 3, 4, 5]
    in_urls = [u for u in sent if real_directus.token in u]
    assert bool(in_urls) == (style == "query")  # only query auth puts the token in a URL
    assert real_directus.token not in out.raw


def test_wrong_token_stops_at_once_without_the_secret(
    real_directus: RealDirectus, small_table: str
) -> None:
    config = {"base_url": real_directus.url, "token": "wrong-T0ken-123", "tables": [small_table]}
    with pytest.raises(FatalAPIError, match="credentials") as error:
        run_tap(config)
    assert "wrong-T0ken-123" not in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("suffix", "found"),
    [
        ("/api", "HTML page"),  # the tap appends /api/1.1: /api/api/1.1 is an HTML 404
        ("/api/1.1/api/1.1", "HTML page"),  # doubled
        ("/admin", "302 redirect to /login.php"),  # the admin app's address
    ],
)
@pytest.mark.parametrize("auth", ["token", "password"])
def test_wrong_base_url_ends_at_once_naming_it(
    real_directus: RealDirectus, suffix: str, found: str, auth: str
) -> None:
    base_url = real_directus.url + suffix
    if auth == "token":
        config = {"base_url": base_url, "token": real_directus.token}
    else:  # the first request is then the request-token POST
        config = {"base_url": base_url, "email": real_directus.email, "password": "password"}
    started = time.monotonic()
    with pytest.raises(FatalAPIError) as error:
        run_tap(config)
    message = str(error.value)
    assert message.startswith(f"base_url {base_url.removesuffix('/api/1.1')} ")
    assert found in message
    assert "\n" not in message
    assert real_directus.token not in message
    assert time.monotonic() - started < 5  # no retries (they took 16 s)


def test_users_secrets_are_never_emitted(
    real_directus: RealDirectus, admin_tz: str, caplog: pytest.LogCaptureFixture
) -> None:
    real_directus.sql("UPDATE directus_users SET reset_token='reset-S3cret', invite_token='inv-9'")
    caplog.set_level(logging.INFO)
    out, _ = run_tap(real_directus.tap_config(tables=["directus_users"], include_system=True))
    (user,) = out.records["directus_users"]
    assert user["email"] == real_directus.email
    properties = out.schemas["directus_users"]["schema"]["properties"]
    for name in SECRET_COLUMNS:
        assert name not in user
        assert name not in properties
    for secret in (real_directus.token, "reset-S3cret", "inv-9"):
        assert secret not in out.raw
    notes = [r for r in caplog.records if "never emits" in r.getMessage()]
    assert len(notes) == 1


def test_nested_user_rows_carry_no_secrets(real_directus: RealDirectus, admin_tz: str) -> None:
    name = f"owned_{admin_tz.replace('/', '_').lower()}"
    real_directus.create_table(
        name,
        [
            {"name": "title", "type": "VARCHAR", "length": 20},
            {
                "name": "owner",
                "type": "INT",
                "ui": "many_to_one",
                "relationship_type": "MANYTOONE",
                "related_table": "directus_users",
                "junction_key_right": "owner",
            },
        ],
    )
    real_directus.insert(name, {"title": "mine", "owner": 1})
    config = real_directus.tap_config(tables=[name], keep_nested_relations=True)
    out, _ = run_tap(config)
    (record,) = out.records[name]
    assert record["owner"]["id"] == 1
    assert record["owner"]["email"] == real_directus.email
    assert not set(SECRET_COLUMNS) & set(record["owner"])
    assert real_directus.token not in out.raw


def test_no_system_table_leaks_a_credential(real_directus: RealDirectus) -> None:
    # A change to a user makes directus_activity keep the whole row: hash, salt, token.
    real_directus.call("PATCH", "/users/1", json={"position": "admin"})
    real_directus.sql(
        "UPDATE directus_settings SET value='yt-S3cret-key' WHERE name='youtube_api_key'"
    )
    activity = real_directus.sql(
        "SELECT data FROM directus_activity WHERE table_name='directus_users'"
    )
    assert real_directus.token in activity  # the server does keep it there
    salt = real_directus.sql("SELECT salt FROM directus_users WHERE id=1").strip()
    password_hash = real_directus.sql("SELECT password FROM directus_users WHERE id=1").strip()
    out, _ = run_tap(real_directus.tap_config(include_system=True))
    assert out.records["directus_activity"]
    for secret in (real_directus.token, salt, password_hash, "yt-S3cret-key"):
        assert secret not in out.raw
        assert secret.replace("/", "\\/") not in out.raw
    settings = {r["name"]: r["value"] for r in out.records["directus_settings"]}
    assert settings["youtube_api_key"] is None
    assert settings["project_name"] == "Directus"
