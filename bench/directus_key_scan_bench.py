"""Cost of tap-directus' hard-delete key scan per 100,000 rows: requests and bytes of state.

    .venv/bin/python -m bench.directus_key_scan_bench

Prints, for a few shapes of primary keys, the requests one scan sends (KEY_PAGE_SIZE keys each)
and the size of the keys as kept in the Singer state (JSON).
"""

from __future__ import annotations

import json
import math
import random

from tap_directus.key_scan import KEY_PAGE_SIZE, decode_keys, encode_keys

ROWS = 100_000


def shapes() -> dict[str, list[object]]:
    rng = random.Random(14)
    ids = list(range(1, ROWS + 1))
    return {
        "integer ids, none deleted": ids,
        "integer ids, 1% deleted at random": [i for i in range(1, int(ROWS * 1.01) + 1)
                                               if rng.random() > 0.0099][:ROWS],
        "integer ids, 10% deleted at random": [i for i in range(1, int(ROWS * 1.12) + 1)
                                                if rng.random() > 0.1][:ROWS],
        "integer ids, every other id": list(range(1, 2 * ROWS, 2)),
        "8-character text keys": [f"K{i:07d}" for i in range(ROWS)],
        "UUID keys": [f"{rng.getrandbits(128):032x}" for _ in range(ROWS)],
    }  # fmt: skip


def main() -> None:
    requests = math.floor(ROWS / KEY_PAGE_SIZE) + 1
    print(f"Key scan of {ROWS:,} rows: {requests} requests ({KEY_PAGE_SIZE:,} keys a request)")
    for name, keys in shapes().items():
        stored = encode_keys(keys)
        size = len(json.dumps(stored, separators=(",", ":")))
        assert decode_keys(stored) is not None
        print(f"  {name:40s} {size:>10,} bytes of state")


if __name__ == "__main__":
    main()
