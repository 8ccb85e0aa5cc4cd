"""The target's settings beyond its schema (target.py): one-line checks and derived values.

The schema says what it can (types, allowed values, bounds); `config_problems` checks what it
cannot (URLs, subdomains, field names of a resource, references), each problem in one line
that names the setting and what to do.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from target_dokus.relations import reference_problems
from target_dokus.resources import RESOURCES, WRITABLE_RESOURCES
from target_dokus.routing import resource_problem

DEFAULT_DEAD_LETTER_PATH = "output/target-dokus-dead-letter.jsonl"  # git-ignored
MAX_CONCURRENCY = 32
_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", re.IGNORECASE)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_root(config: Mapping[str, Any]) -> str:
    """`base_url` when set, else https://SUBDOMAIN.dokus.no."""
    if config.get("base_url"):
        return str(config["base_url"]).rstrip("/")
    return f"https://{config['subdomain']}.dokus.no"


def account_label(config: Mapping[str, Any]) -> str:
    """How error messages name the Dokus account: the subdomain, else the base URL's host."""
    if config.get("base_url"):
        return urlsplit(str(config["base_url"])).netloc or str(config["base_url"])
    return str(config.get("subdomain"))


def key_fields(config: Mapping[str, Any], resource: str) -> tuple[str, ...]:
    configured = (config.get("match_keys") or {}).get(resource)
    if configured:
        return (configured,) if isinstance(configured, str) else tuple(configured)
    return RESOURCES[resource].default_match_key


def config_problems(config: Mapping[str, Any]) -> list[str]:
    """One line per invalid setting, naming the setting and what to do."""
    problems: list[str] = []
    base_url, subdomain = config.get("base_url"), config.get("subdomain")
    if base_url:
        parts = urlsplit(str(base_url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append("base_url: give a full URL such as https://mittfirma.dokus.no")
        elif parts.scheme != "https" and not _is_loopback(parts.hostname):
            problems.append(
                "base_url: use https:// (plain http is allowed only for loopback addresses "
                "such as 127.0.0.1, for testing)"
            )
    elif not subdomain:
        problems.append(
            "subdomain: set it (your Dokus address is https://SUBDOMAIN.dokus.no) or set base_url"
        )
    elif not _SUBDOMAIN.match(str(subdomain)):
        problems.append(
            f"subdomain: {subdomain!r} is not a Dokus subdomain (letters, digits and hyphens, "
            "without .dokus.no)"
        )
    for stream, resource in (config.get("stream_resources") or {}).items():
        problem = resource_problem(stream, str(resource))
        if problem:
            problems.append(problem)
    for resource, fields in (config.get("match_keys") or {}).items():
        if resource not in WRITABLE_RESOURCES:
            problems.append(
                f"match_keys.{resource}: unknown Dokus resource; use one of "
                f"{', '.join(WRITABLE_RESOURCES)}"
            )
            continue
        choices = ", ".join(RESOURCES[resource].fields)
        names = [fields] if isinstance(fields, str) else fields
        if not isinstance(names, list) or not names or not all(isinstance(f, str) for f in names):
            problems.append(
                f"match_keys.{resource}: give a field name or a non-empty list of field names "
                f'(e.g. "{RESOURCES[resource].default_match_key[0]}"); fields: {choices}'
            )
            continue
        unknown = [f for f in names if f not in RESOURCES[resource].fields]
        if unknown:
            problems.append(
                f"match_keys.{resource}: {', '.join(map(repr, unknown))} is not a writable "
                f"{resource} field; use one of {choices}"
            )
    problems += reference_problems(config)
    # Checked here, not as the schema's minimum/maximum, for a line that gives the range.
    concurrency = config.get("max_concurrency", 1)
    if concurrency is not None and not 1 <= int(concurrency) <= MAX_CONCURRENCY:
        problems.append(f"max_concurrency: use a number from 1 to {MAX_CONCURRENCY}")
    return problems
