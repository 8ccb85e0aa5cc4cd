"""What answers at `base_url`: a redirect or an HTML page where the API's JSON was expected.

A wrong `base_url` (missing or doubled `/api/1.1`, or the admin app's address) makes a real
Directus 6 answer 302 to its HTML login page, or its HTML 404 page. Retrying cannot help, so
such an answer ends the run at once, naming `base_url` and what was found there. An HTML page
after the server has already answered JSON in this run is a glitch of a right address (a PHP
fatal error, a proxy) and is retried like any bad body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

import requests
from singer_sdk.exceptions import FatalAPIError

from connector_common.redaction import redact

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass
class Site:
    """The instance root the tap was given, and whether it has answered JSON in this run."""

    root: str
    json_seen: bool = False


def is_html(response: requests.Response) -> bool:
    text = response.content.lstrip()[:512].lower()
    return text.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<"))


def found_there(response: requests.Response) -> str:
    """A short description of a non-API answer: `302 to /login.php`, `an HTML page ...`."""
    status = response.status_code
    if 300 <= status < 400:
        location = urlparse(response.headers.get("Location") or "").path
        return f"a {status} redirect to {location or 'another page'}"
    match = _TITLE.search(response.text[:4000])
    title = " ".join(match.group(1).split())[:80] if match else ""
    return f"an HTML page{f' titled {title!r}' if title else ''} ({status})"


def check_site(response: requests.Response, site: Site | None, secrets: list[str]) -> None:
    """Raise the one-line `base_url` error for a redirect, or HTML from a not-yet-JSON site."""
    if site is None:
        return
    status = response.status_code
    redirect = 300 <= status < 400
    html = bool(response.content.strip()) and is_html(response)
    if not redirect and not (html and (status == 404 or not site.json_seen)):
        return
    path = urlparse(response.url).path
    message = (
        f"base_url {site.root} does not lead to the Directus API: {path} answered "
        f"{found_there(response)} where JSON was expected. Set base_url to the instance root "
        "(the address before /api/1.1; the tap appends it)."
    )
    raise FatalAPIError(redact(message, secrets))
