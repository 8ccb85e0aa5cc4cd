"""Records Dokus refused, appended to a JSONL file so nothing is lost silently.

Each line holds the record, its stream and resource, the HTTP status and Dokus' message. The
line is flushed and synced before the record counts as handled, because the tap's state may
move past the record as soon as it is. The records hold customer names and e-mails, so the
file (and a folder made for it) is readable by its owner only.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from connector_common.redaction import redact


class DeadLetterFile:
    """Thread-safe JSONL appender with a count of what it took."""

    def __init__(self, path: str | Path, secrets: list[str]) -> None:
        self.path = Path(path)
        self.secrets = secrets
        self.count = 0
        self._lock = threading.Lock()

    def append(
        self,
        *,
        record: dict[str, Any],
        stream: str,
        resource: str,
        status: int | None,
        message: str,
    ) -> None:
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "stream": stream,
            "resource": resource,
            "status": status,
            "message": message,
            "record": record,
        }
        line = redact(json.dumps(entry, default=str, ensure_ascii=False), self.secrets)
        with self._lock:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.fchmod(fd, 0o600)  # also a file an older version made world-readable
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            self.count += 1
