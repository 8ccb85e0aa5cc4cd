"""One `meltano install` for every e2e module: the plugin venvs in the repository's .meltano/."""

from __future__ import annotations

import os
import subprocess

import pytest

from sandbox.meltano_project import MELTANO, ROOT


@pytest.fixture(scope="session")
def meltano_installed(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Install every plugin meltano.yml declares, once per session (clones share the venvs)."""
    env = {
        **os.environ,
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('install') / 'meltano.db'}",
    }
    result = subprocess.run(
        [str(MELTANO), "install"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-12:])
        pytest.fail(f"`meltano install` failed (exit {result.returncode}):\n{tail}")
