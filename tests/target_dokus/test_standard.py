"""singer-sdk's standard target tests, where they apply to an API target.

Their streams (test_array_data, TestCamelcase, ...) map to no Dokus resource, so these pin
that any Singer input the SDK must cope with is read, validated and skipped without a request
(the base_url below is never contacted). singer-sdk's default target suite already leaves out
the multiple-state-messages test, which would not apply either: each state goes out only once
the writes before it are confirmed (target_dokus/state_gate.py).
"""

from __future__ import annotations

from singer_sdk.testing import get_target_test_class

from target_dokus.target import TargetDokus

TestTargetDokusStandard = get_target_test_class(
    TargetDokus,
    config={
        "base_url": "http://127.0.0.1:9",
        "email": "ole.nordmann@example.no",
        "password": "never-used",
    },
)
