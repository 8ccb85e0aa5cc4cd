"""What ships is what runs: the wheel holds the plugins only and depends on exactly what they import."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {"tap_directo", "tap_directus", "target_dokus", "connector_common"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip_wheel, "--no-build-isolation", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_levels(wheel: zipfile.ZipFile) -> set[str]:
    names: set[str] = set()
    for member in wheel.namelist():
        if not member.endswith(".py"):
            continue
        tree = ast.parse(wheel.read(member), filename=member)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_wheel_holds_only_the_plugins(wheel: zipfile.ZipFile) -> None:
    packages = {name.split("/")[0] for name in wheel.namelist() if "/" in name}
    packages = {p for p in packages if not p.endswith(".dist-info")}
    assert packages == SHIPPED


def test_dependencies_are_exactly_what_the_shipped_code_imports(wheel: zipfile.ZipFile) -> None:
    third_party = _imported_top_levels(wheel) - SHIPPED - set(sys.stdlib_module_names)
    distributions = packages_distributions()
    imported = {_normalise(dist) for module in third_party for dist in distributions[module]}

    (metadata_name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    metadata = Parser().parsestr(wheel.read(metadata_name).decode("utf-8"))
    declared = {
        _normalise(re.split(r"[\s\[<>=~!;]", requirement, maxsplit=1)[0])
        for requirement in metadata.get_all("Requires-Dist") or []
        if "extra ==" not in requirement
    }
    assert declared == imported
