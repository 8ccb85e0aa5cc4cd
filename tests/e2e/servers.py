"""The sandboxes a module's Meltano jobs run against, each on its own free port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.common import Emulator, SandboxServer


@contextmanager
def running(**emulators: Emulator) -> Iterator[dict[str, SandboxServer]]:
    """Serve each emulator under its name; stop them all when the block ends."""
    servers = {name: SandboxServer(emulator).start() for name, emulator in emulators.items()}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()
