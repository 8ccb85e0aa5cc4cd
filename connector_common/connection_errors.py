"""Say in words why a request never got an answer, without quoting its URL.

requests' own messages quote the whole URL (query and any token in it included) inside nested
urllib3 reprs; users need only the kind of failure to know what to check.
"""

from __future__ import annotations

import requests

_BROKEN_OFF = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    ConnectionResetError,
)


def connection_problem(exc: BaseException) -> str:
    """`connection refused`, `host name not found`, `no answer in time`, ... for `exc`."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer in time"
    if isinstance(exc, _BROKEN_OFF):
        return "the answer broke off"
    if "Name or service not known" in text or "NameResolutionError" in text:
        return "host name not found"
    if "Connection refused" in text:
        return "connection refused"
    if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc, requests.exceptions.SSLError):
        return "TLS certificate not trusted"
    return type(exc).__name__
