"""The sandboxes a module's Meltano jobs run against, each on its own free port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sandbox.common import Emulator, SandboxServer
from sandbox.meltano_project import MeltanoProject


@contextmanager
def running(**emulators: Emulator) -> Iterator[dict[str, SandboxServer]]:
    """Serve each emulator under its name; stop them all when the block ends."""
    servers = {name: SandboxServer(emulator).start() for name, emulator in emulators.items()}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def project_on(workdir: Path, sandboxes: dict[str, SandboxServer]) -> MeltanoProject:
    """The repository's Meltano project against `running` sandboxes; tap-directo unpaced, since
    the sandboxes the modules start enforce no rate limit."""
    project = MeltanoProject(
        workdir, sandboxes["directo"], sandboxes["directus"], sandboxes["dokus"]
    )
    project.env["TAP_DIRECTO_REQUESTS_PER_MINUTE"] = "0"
    return project
