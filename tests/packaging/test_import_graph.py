"""The shipped packages' shape (#12): straight downward imports, one layout in every plugin.

Read from the source with `ast`, so a `TYPE_CHECKING` import or one inside a function counts
as much as a top-level one: a stream that names its tap's class in an annotation still reaches
back into it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = {"tap_directo": "tap", "tap_directus": "tap", "target_dokus": "target"}
PACKAGES = [*PLUGINS, "connector_common"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).glob("*.py"))}


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The shipped modules `path` imports (a `from pkg import module` names the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module not in known:
                continue
            named = {f"{node.module}.{alias.name}" for alias in node.names}
            found.update(named & known.keys() or {node.module})
    found.discard(_module_name(path))
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(path, known) for name, path in known.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_graph_of_the_shipped_packages_has_no_circle() -> None:
    assert _cycle(_graph()) is None


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("package", PLUGINS)
def test_only_main_imports_the_plugin_class(package: str) -> None:
    plugin_module = f"{package}.{PLUGINS[package]}"
    importers = sorted(m for m, imported in _graph().items() if plugin_module in imported)
    assert importers == [f"{package}.__main__"]


@pytest.mark.parametrize("package", PLUGINS)
def test_every_plugin_has_the_same_layout(package: str) -> None:
    names = {p.name for p in (ROOT / package).glob("*.py")}
    streams_or_sinks = "sinks.py" if PLUGINS[package] == "target" else "streams.py"
    expected = {f"{PLUGINS[package]}.py", "settings.py", "client.py", "__main__.py"}
    assert expected | {streams_or_sinks} <= names


@pytest.mark.parametrize("package", PLUGINS)
def test_client_is_http_only(package: str) -> None:
    """client.py sends requests; streams and sinks live elsewhere."""
    tree = ast.parse((ROOT / package / "client.py").read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {m for m in imported if m.startswith(("singer_sdk.streams", "singer_sdk.sinks"))}
    assert "RESTStream" not in {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
