"""tap-directus: every table of a Directus 6 instance (API 1.1) as a typed Singer stream."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter

from connector_common import DISTRIBUTION_NAME, http
from connector_common.catalog_selection import CheckedSelectionMixin
from connector_common.config_errors import ValidatedConfigMixin
from connector_common.fatal_errors import OneLineFatalErrorsMixin, default_fatal_message
from connector_common.input_files import BadInputFileError, bookmark_problem
from connector_common.log_redaction import RedactedLogsMixin
from connector_common.rate_limit import RateLimiter
from connector_common.redaction import basic_auth_value, secret_values
from connector_common.unknown_settings import UnknownSettingsMixin
from tap_directus.api import DirectusApi
from tap_directus.catalog import StreamCatalog
from tap_directus.client import AUTH_METHODS, auth_style
from tap_directus.paging import PagingError
from tap_directus.settings import config_problems
from tap_directus.streams import DirectusTableStream


class TapDirectus(
    CheckedSelectionMixin,
    OneLineFatalErrorsMixin,
    UnknownSettingsMixin,
    ValidatedConfigMixin,
    RedactedLogsMixin,
    Tap,
):
    """Discovers the tables of a Directus 1.1 API and syncs them, incrementally when possible."""

    name = "tap-directus"
    package_name = DISTRIBUTION_NAME
    dynamic_catalog = True
    # msgspec writes Decimals as exact JSON numbers, about 1.5x faster (perf-notes.md).
    message_writer_class = MsgSpecWriter

    config_jsonschema = th.PropertiesList(
        th.Property(
            "base_url",
            th.StringType,
            required=True,
            description="Root URL of the Directus instance, e.g. https://cms.example.com; "
            "the tap appends /api/1.1.",
        ),
        th.Property("token", th.StringType, secret=True, description="A user's API token."),
        th.Property(
            "email",
            th.StringType,
            secret=True,
            description="E-mail of a Directus user, exchanged with `password` for a token "
            "once per run (POST /auth/request-token).",
        ),
        th.Property("password", th.StringType, secret=True, description="That user's password."),
        th.Property(
            "auth_method",
            th.StringType,
            allowed_values=list(AUTH_METHODS),
            description="How the token is sent: `bearer` (Authorization header, default), "
            "`basic` (HTTP basic auth with the token as user), `query` (`access_token` URL "
            "parameter: the token then appears in server logs), or `password` (e-mail and "
            "password via request-token; the default when only those are set).",
        ),
        th.Property(
            "tables",
            th.ArrayType(th.StringType),
            description="Only these tables (default: every table the token can read).",
        ),
        th.Property(
            "exclude_tables", th.ArrayType(th.StringType), description="Tables to leave out."
        ),
        th.Property(
            "include_system",
            th.BooleanType,
            default=False,
            description="Also sync Directus' own directus_* tables.",
        ),
        th.Property(
            "page_size",
            th.IntegerType,
            default=200,
            description="Rows per request (`limit`); 200 is the API's default.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="On the first sync, only rows updated at or after this moment "
            "(tables with a date_update_column). Directus DATETIME values are read as UTC.",
        ),
        th.Property(
            "filters",
            th.ObjectType(additional_properties=True),
            description="Per-table filters in Directus' own syntax, e.g. "
            '{"projects": {"status": {"in": "1,2"}, "title": {"like": "web"}}}.',
        ),
        th.Property(
            "requests_per_minute",
            th.IntegerType(minimum=0),
            default=0,
            description="Most requests sent in any 60 seconds, shared by all streams "
            "(0: no limit).",
        ),
        th.Property(
            "timeout",
            th.IntegerType(minimum=1),
            default=60,
            description="Seconds to wait for a response.",
        ),
        th.Property(
            "keep_nested_relations",
            th.BooleanType,
            default=False,
            description="Emit MANYTOONE columns as the nested related row instead of its id.",
        ),
        th.Property(
            "alias_columns",
            th.StringType,
            default="skip",
            allowed_values=["skip", "ids"],
            description="ALIAS (ONETOMANY/MANYTOMANY) columns: `skip` them, or emit `ids`, an "
            "array of the related rows' ids.",
        ),
        th.Property(
            "emit_soft_deletes",
            th.BooleanType,
            default=False,
            description="Set `_sdc_deleted_at` on rows in Directus' deleted status (0), so "
            "targets can apply the delete. Rows of every status are read either way.",
        ),
        th.Property(
            "detect_hard_deletes",
            th.BooleanType,
            default=False,
            description="After each table, read all its primary keys (5,000 a request) and "
            "emit a tombstone (`_sdc_deleted_at` set) for every key the previous run saw "
            "that is gone: Directus 6 keeps no trace of hard deletes. The keys are kept in "
            "the state (integer ids as ranges).",
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType,
            default=False,
            description="Emit ACTIVATE_VERSION for FULL_TABLE streams (a full-refresh job that "
            "forces FULL_TABLE), so a loader that applies it (MeltanoLabs target-postgres with "
            "`hard_delete`) drops the rows that are gone.",
        ),
    ).to_dict()

    # ------------------------------------------------------------------ settings
    def config_checks(self) -> list[str]:
        return config_problems(self.config)

    @cached_property
    def secrets(self) -> list[str]:
        """Secret settings, and the basic-auth value the token goes out in with `basic`."""
        secrets = secret_values(dict(self.config), self.config_jsonschema)
        if auth_style(self.config) == "basic" and self.config.get("token"):
            secrets.append(basic_auth_value(str(self.config["token"]), ""))
        return secrets

    @cached_property
    def api(self) -> DirectusApi:
        """The run's way to Directus, handed to every stream. One rate limiter per run:
        Directus limits per user, not per table."""
        limiter = RateLimiter(self.config.get("requests_per_minute") or 0)
        return DirectusApi(self.config, limiter, self.secrets)

    # ------------------------------------------------------------------ state
    @classmethod
    def state_problem(cls, state: dict[str, Any]) -> str | None:
        """Bookmarks are update dates: anything else is refused before the first request."""
        return bookmark_problem(state)

    def load_state(self, state: dict[str, Any]) -> None:
        problem = self.state_problem(state)
        if problem:
            raise BadInputFileError(f"state: {problem}.")
        super().load_state(state)

    # ------------------------------------------------------------------ CLI modes
    @classmethod
    def fatal_message(cls, exc: BaseException) -> str | None:
        """The one line a failed run ends with (OneLineFatalErrorsMixin); None: a bug."""
        if isinstance(exc, PagingError):
            return str(exc)
        return default_fatal_message(exc, tries=http.POLICY.max_tries, service="Directus")

    def discover_streams(self) -> list[DirectusTableStream]:
        given = None if self.input_catalog is None else list(self.input_catalog.values())
        definitions = StreamCatalog(self.api, self.config).definitions(given)
        return [DirectusTableStream(self, self.api, d) for d in definitions]
