"""Shared fixtures: each test gets its own in-process sandbox on a free loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from sandbox.common import Emulator, SandboxServer


@pytest.fixture
def serve() -> Iterator[Callable[[Emulator], SandboxServer]]:
    """Start any emulator on a free port; stopped when the test ends."""
    servers: list[SandboxServer] = []

    def _serve(emulator: Emulator) -> SandboxServer:
        server = SandboxServer(emulator).start()
        servers.append(server)
        return server

    yield _serve
    for server in servers:
        server.stop()


@pytest.fixture
def dokus_sandbox(serve: Callable[[Emulator], SandboxServer]) -> SandboxServer:
    from sandbox.dokus import DokusEmulator

    return serve(DokusEmulator())
