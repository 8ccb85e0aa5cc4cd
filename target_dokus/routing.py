"""Which Dokus resource a stream is written to (stream maps aside: they run before this).

`stream_resources` maps a stream to a resource; without an entry a stream named like a writable
resource (customers, customer_groups, products, invoices) goes there and any other stream is
skipped, so a tap's extra streams (or meltano_test_stream) do no harm. Sent invoices are
read-only in Dokus: a stream sent there is refused, never skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from target_dokus.errors import DokusRunError
from target_dokus.resources import SENT_INVOICES_REFUSAL, WRITABLE_RESOURCES


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


def resource_for(config: Mapping[str, Any], stream_name: str) -> str | None:
    """The Dokus resource a stream goes to (stream_resources, else its own name), or None."""
    mapping = config.get("stream_resources") or {}
    resource = mapping.get(stream_name, stream_name)
    problem = resource_problem(stream_name, resource)
    # refused when asked for explicitly, or when the stream is named after sent invoices;
    # any other stream named like no resource is skipped
    if problem and (stream_name in mapping or resource == "sent_invoices"):
        raise DokusRunError(problem)
    return None if problem else resource
