"""DirectusApi: what every stream of one run shares to reach Directus, built once by the tap.

The instance root, the auth (a `password` token is requested once per run, by the first
request that needs it), one HttpClient under DirectusRules with the run's rate limiter
(Directus limits per user, not per table), the secrets no message may show. Streams and
discovery get it at construction and never ask the tap.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import requests
from singer_sdk.exceptions import FatalAPIError

from connector_common.http import Counter, HttpClient, Limiter
from tap_directus.client import (
    API_PATH,
    LOGGER,
    TOKEN_PATH,
    DirectusAuth,
    DirectusRules,
    TokenRules,
    auth_style,
    new_session,
    parse_body,
    root_url,
)
from tap_directus.site import Site


class DirectusApi:
    """One run's way to a Directus instance: its address, auth, HTTP client and secrets.

    Built once by the tap and handed to every stream; the token of `password` auth is
    requested once per run, by the first request that needs it.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        limiter: Limiter,
        secrets: list[str],
        user_agent: str = "tap-directus",
    ) -> None:
        self.root = root_url(str(config["base_url"]))
        self.site = Site(self.root)
        self.config = config
        self.secrets = secrets
        self.style = auth_style(config)
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self.auth = DirectusAuth("bearer" if self.style == "password" else self.style, self.token)
        session = new_session(user_agent, self.auth)
        options: dict[str, Any] = {
            "limiter": limiter,
            "secrets": secrets,
            "timeout": float(config.get("timeout") or 60),
            "allow_redirects": False,
            "logger": LOGGER,
        }
        self.http = HttpClient(session, DirectusRules(secrets, self.site), **options)
        self._token_http = HttpClient(session, TokenRules(secrets, self.site), **options)

    @property
    def api_url(self) -> str:
        return self.root + API_PATH

    @property
    def limiter(self) -> Limiter:
        return self.http.limiter

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, report: Counter | None = None
    ) -> dict[str, Any]:
        """GET `/api/1.1{path}` with retries; the parsed JSON body. `report` counts the tries."""
        request = requests.Request("GET", f"{self.api_url}{path}", params=dict(params or {}))
        body: dict[str, Any] = self.http.request(request, parse_body, report=report)
        return body

    def token(self) -> str:
        """The API token; with `password` auth, requested once per run."""
        if self.style != "password":
            return str(self.config.get("token") or "")
        with self._token_lock:
            if self._token is None:
                self._token = self._request_token()
                self.secrets.append(self._token)
            return self._token

    def _request_token(self) -> str:
        form = {"email": self.config.get("email"), "password": self.config.get("password")}
        # Prepared without the session, whose auth is the token this request asks for.
        request = requests.Request(
            "POST",
            f"{self.api_url}{TOKEN_PATH}",
            data=form,
            headers=dict(self.http.session.headers),
        ).prepare()
        body = self._token_http.request(request, parse_body)
        token = (body.get("data") or {}).get("token") if isinstance(body, dict) else None
        if not token:
            raise FatalAPIError(
                "Directus answered the token request without a token: check `email` and "
                "`password`, or set `token`."
            )
        return str(token)
