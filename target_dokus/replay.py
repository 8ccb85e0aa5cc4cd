"""Turn a dead-letter file back into Singer messages, so refused records can be sent again.

`python -m target_dokus.replay DEAD_LETTER.jsonl | target-dokus --config config.json`

Each line of the dead-letter file holds the record as the sink saw it (after stream maps), so
the replay writes it to a stream named after its Dokus resource (`products`, ...), which
target-dokus maps to that resource by default, with no stream maps needed. Move the file aside
before replaying: records refused again are appended to `dead_letter_path` anew.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from target_dokus.resources import DELETED_AT


def read_dead_letters(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The entries of a dead-letter file; a line that is not one is an error naming the line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or not isinstance(entry.get("record"), dict):
            msg = f"line {number} is not a target-dokus dead-letter entry"
            raise ValueError(msg)
        yield entry


def replay_messages(entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A SCHEMA per resource (every field seen, any type), then the records in file order."""
    entries = list(entries)
    fields: dict[str, set[str]] = {}
    for entry in entries:
        fields.setdefault(entry["resource"], set()).update(entry["record"])
    for resource, names in fields.items():
        properties: dict[str, Any] = {name: {} for name in sorted(names)}
        if DELETED_AT in properties:
            properties[DELETED_AT] = {"type": ["string", "null"], "format": "date-time"}
        yield {
            "type": "SCHEMA",
            "stream": resource,
            "schema": {"type": "object", "properties": properties},
            "key_properties": [],
        }
    for entry in entries:
        yield {"type": "RECORD", "stream": entry["resource"], "record": entry["record"]}


def write_replay(source: TextIO, out: TextIO) -> int:
    """Write the replay of `source` to `out`; return the number of records."""
    count = 0
    for message in replay_messages(read_dead_letters(source)):
        out.write(json.dumps(message, ensure_ascii=False) + "\n")
        count += message["type"] == "RECORD"
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m target_dokus.replay", description=__doc__)
    parser.add_argument("dead_letter_file", type=Path)
    args = parser.parse_args(argv)
    try:
        with args.dead_letter_file.open(encoding="utf-8") as source:
            count = write_replay(source, sys.stdout)
    except (OSError, ValueError) as exc:
        print(f"replay: {args.dead_letter_file}: {exc}", file=sys.stderr)
        return 1
    print(f"replay: {count} record(s) from {args.dead_letter_file}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
