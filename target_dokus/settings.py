"""The target's settings: schema, checks with one-line errors, and derived values."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from singer_sdk import typing as th

from target_dokus.relations import reference_problems
from target_dokus.resources import RESOURCES, SENT_INVOICES_REFUSAL, WRITABLE_RESOURCES

DEFAULT_DEAD_LETTER_PATH = "output/target-dokus-dead-letter.jsonl"  # git-ignored
MAX_CONCURRENCY = 32
_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", re.IGNORECASE)

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "subdomain",
        th.StringType,
        description="Your organisation's Dokus subdomain: the API is https://SUBDOMAIN.dokus.no.",
    ),
    th.Property(
        "base_url",
        th.StringType,
        description=(
            "API root URL instead of the subdomain (wins when both are set). Must be https, "
            "except loopback addresses (127.0.0.1, ::1, localhost) for testing."
        ),
    ),
    th.Property(
        "email", th.StringType, required=True, description="E-mail address of the Dokus user."
    ),
    th.Property(
        "password",
        th.StringType,
        required=True,
        secret=True,
        description="Password of the Dokus user (HTTP basic auth).",
    ),
    th.Property(
        "stream_resources",
        th.ObjectType(additional_properties=th.StringType),
        description=(
            "Stream name -> Dokus resource (customers, customer_groups, products, invoices). "
            "Default: a stream named like a resource goes there; other streams are skipped."
        ),
    ),
    th.Property(
        "match_keys",
        # Values are checked in config_problems: a JSON-schema anyOf error says nothing useful.
        th.ObjectType(additional_properties=True),
        description=(
            "Resource -> field (or list of fields, all of which must match) that finds the "
            "existing Dokus record. Defaults: customers org_number, customer_groups name, "
            "products product_number, invoices sender_ref."
        ),
    ),
    th.Property(
        "references",
        # Checked in config_problems (relations.py), for errors that name the entry.
        th.ObjectType(additional_properties=True),
        description=(
            "Relation fields that hold another key of the related record instead of its Dokus "
            'id, e.g. {"invoices": {"recipient": {"by": "email", "named_by": "customer_code"}}}: '
            "the invoice's recipient is the Dokus customer with that e-mail (found in Dokus, "
            "or created earlier in the run); `named_by` fields name the source record in "
            "refusals. Unresolved references are dead-lettered with a reason."
        ),
    ),
    th.Property(
        "send_invoices",
        th.BooleanType,
        default=False,
        description=(
            "Send each draft invoice this target creates (POST /invoices/ID/send/, by e-mail). "
            "Sent invoices are final: later changes to them are refused, never duplicated."
        ),
    ),
    th.Property(
        "hard_delete",
        th.BooleanType,
        default=False,
        description=(
            "Delete the Dokus record when a record carries _sdc_deleted_at. Off: such records "
            "are skipped and counted."
        ),
    ),
    th.Property(
        "on_error",
        th.StringType,
        default="dead_letter",
        allowed_values=["dead_letter", "fail"],
        description=(
            "What a record Dokus refuses does: dead_letter (append it to dead_letter_path, go "
            "on, exit 1 at the end) or fail (stop at once, no state past it)."
        ),
    ),
    th.Property(
        "dead_letter_path",
        th.StringType,
        default=DEFAULT_DEAD_LETTER_PATH,
        description=(
            "JSONL file that refused records are appended to (created readable by its owner "
            "only; keep it out of version control, as output/ is)."
        ),
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        default=False,
        description="Read Dokus and log what would be written, but send no writes.",
    ),
    th.Property(
        "max_concurrency",
        th.IntegerType,
        default=1,
        description=(
            f"Parallel requests to Dokus (1-{MAX_CONCURRENCY}); records with the same key "
            "stay in order."
        ),
    ),
    th.Property(
        "requests_per_minute",
        th.IntegerType,
        description="Upper bound on requests per minute across the run; unset or 0: no limit.",
    ),
    th.Property(
        "timeout",
        th.IntegerType,
        default=60,
        description="Seconds to wait for one Dokus answer before retrying.",
    ),
).to_dict()


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


def resource_problem(stream: str, resource: str) -> str | None:
    """Why `stream` may not be written to `resource`, or None."""
    if resource == "sent_invoices":
        return f"stream_resources.{stream}: {SENT_INVOICES_REFUSAL}"
    if resource not in WRITABLE_RESOURCES:
        return (
            f"stream_resources.{stream}: unknown Dokus resource {resource!r}; use one of "
            f"{', '.join(WRITABLE_RESOURCES)}"
        )
    return None


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
    concurrency = config.get("max_concurrency", 1)
    if concurrency is not None and not 1 <= int(concurrency) <= MAX_CONCURRENCY:
        problems.append(f"max_concurrency: use a number from 1 to {MAX_CONCURRENCY}")
    if config.get("requests_per_minute") is not None and int(config["requests_per_minute"]) < 0:
        problems.append("requests_per_minute: use 0 (no limit) or a positive number")
    if config.get("timeout") is not None and float(config["timeout"]) <= 0:
        problems.append("timeout: use a positive number of seconds")
    return problems
