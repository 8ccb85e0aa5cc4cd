"""Every stream-map example of the README runs on tap-directo's output, deletions included: the
target-dokus map (items -> products) through the real target-dokus CLI, and the tap-side
filters of the tap-directo section."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD, DokusEmulator
from tests.tap_directo.harness import config_for, run_tap

README = Path(__file__).resolve().parents[2] / "README.md"
TARGET = Path(sys.executable).with_name("target-dokus")


def readme_dokus_map() -> dict:
    """The `"stream_maps": {...}` JSON block of the README's target-dokus section."""
    blocks = re.findall(r"```json\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if b.lstrip().startswith('"stream_maps"')]
    return json.loads("{" + block + "}")["stream_maps"]


def readme_tap_filters() -> list[str]:
    """The `__filter__` expressions the tap-directo section writes in backticks."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("**Stream maps and deletions.**") :][:1200]
    return [e for e in re.findall(r"`([^`]*status[^`]*)`", section) if "==" in e]


def load_into_dokus(raw: str, config: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "target.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [str(TARGET), "--config", str(path)],
        input=raw,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_readme_dokus_map_runs_with_deletions(
    serve: Callable[[Emulator], SandboxServer], tmp_path: Path
) -> None:
    directo = DirectoEmulator(size=8, rate_limit_per_minute=0)
    directo_server = serve(directo)
    dokus = DokusEmulator(size=0)
    dokus_server = serve(dokus)
    target = {
        "base_url": dokus_server.url,
        "email": DEFAULT_EMAIL,
        "password": DEFAULT_PASSWORD,
        "dead_letter_path": str(tmp_path / "dead-letter.jsonl"),
        "hard_delete": True,
        "stream_maps": readme_dokus_map(),
    }
    tap = config_for(directo_server, emit_deleted_records=True)
    first = run_tap(tap, streams={"items"})
    assert load_into_dokus(first.raw, target, tmp_path).returncode == 0
    changed = directo.change(updates=1, deletes=2, resource="items")["changed"]["items"]
    second = run_tap(tap, state=first.final_state, streams={"items"})
    assert sum(1 for r in second.records["items"] if r.get("_sdc_deleted_at")) == 2
    result = load_into_dokus(second.raw, target, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    products = {p["product_number"]: p for p in dokus.data["products"].values()}
    live = {i["code"]: i for i in directo.store.records("items")}
    assert set(products) == set(live)  # the two deleted items are gone
    assert not {k["code"] for k in changed["deleted"]} & set(products)
    for code, item in live.items():
        assert float(products[code]["price"]) == pytest.approx(float(item["price"]))
    assert not (tmp_path / "dead-letter.jsonl").exists()


@pytest.mark.parametrize("expression", [*readme_tap_filters(), "status == 'NEW'"])
def test_readme_tap_filters_run_with_deletions(
    serve: Callable[[Emulator], SandboxServer], expression: str
) -> None:
    directo = DirectoEmulator(size=12, rate_limit_per_minute=0)
    server = serve(directo)
    directo.change(deletes=2, resource="orders")
    config = config_for(
        server, emit_deleted_records=True, stream_maps={"orders": {"__filter__": expression}}
    )
    out = run_tap(config, streams={"orders"})
    live = [o for o in out.records["orders"] if not o.get("_sdc_deleted_at")]
    assert live
    assert all(o["status"] == "NEW" for o in live)
