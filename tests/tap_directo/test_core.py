"""singer-sdk's standard tap tests, against a Directo sandbox served for this module."""

from __future__ import annotations

import atexit

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from sandbox.common import SandboxServer
from sandbox.directo import FULL_KEY, DirectoEmulator
from tap_directo.tap import TapDirecto

_emulator = DirectoEmulator(size=12, rate_limit_per_minute=0)
_emulator.change(deletes=2)  # so the deleted stream has records too
_server = SandboxServer(_emulator).start()
atexit.register(_server.stop)

TestTapDirecto = get_tap_test_class(
    TapDirecto,
    config={"api_key": FULL_KEY, "base_url": _emulator.base_url(_server.url)},
    suite_config=SuiteConfig(max_records_limit=None),
)

TestTapDirectoXml = get_tap_test_class(
    TapDirecto,
    config={
        "api_key": FULL_KEY,
        "base_url": _emulator.base_url(_server.url),
        "response_format": "xml",
        "datafields_as_object": True,
        "emit_deleted_records": True,
    },
    suite_config=SuiteConfig(max_records_limit=None),
)
