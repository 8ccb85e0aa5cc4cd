"""singer-sdk's standard tap tests, against a Directus sandbox served for this module."""

from __future__ import annotations

import atexit

from singer_sdk.testing import get_tap_test_class

from sandbox.common import SandboxServer
from sandbox.directus import DirectusEmulator
from tap_directus.tap import TapDirectus

_emulator = DirectusEmulator(size=15)
_server = SandboxServer(_emulator).start()
atexit.register(_server.stop)

TestTapDirectus = get_tap_test_class(
    TapDirectus,
    config={
        "base_url": _server.url,
        "token": _emulator.token,
        "page_size": 4,
        "emit_soft_deletes": True,
        "alias_columns": "ids",
    },
)
