"""Run tap-directo in-process against a Directo sandbox and collect its Singer messages."""

from __future__ import annotations

from typing import Any

from sandbox.common import SandboxServer
from sandbox.directo import FULL_KEY, DirectoEmulator
from tap_directo.tap import TapDirecto
from tests.singer_output import SyncOutput, select_only, sync_tap

__all__ = [
    "DATA_RESOURCES",
    "SyncOutput",
    "catalog_selecting",
    "config_for",
    "run_tap",
    "run_tap_failing",
    "sandbox",
    "source_keys",
]

# The resources whose records a keyed loader keeps (every Directo resource but `deleted`).
DATA_RESOURCES = (
    "items",
    "customers",
    "orders",
    "invoices",
    "stocklevels",
    "itemclasses",
    "allocations",
    "priceformulas",
)


def sandbox(server: SandboxServer) -> DirectoEmulator:
    emulator = server.emulator
    assert isinstance(emulator, DirectoEmulator)
    return emulator


def source_keys(emulator: DirectoEmulator, resource: str, keys: list[str]) -> set[tuple]:
    """The keys of the source's live records, as the server serves them."""
    served = (
        emulator.typing.served(emulator.served_keys.served(resource, r))
        for r in emulator.store.records(resource)
    )
    return {tuple(str(r.get(k, "-")) for k in keys) for r in served}


def config_for(server: SandboxServer, **settings: Any) -> dict[str, Any]:
    return {"api_key": FULL_KEY, "base_url": sandbox(server).base_url(server.url), **settings}


def catalog_selecting(config: dict[str, Any], streams: set[str]) -> dict:
    """The discovered catalog with only `streams` selected."""
    return select_only(TapDirecto(config=config).catalog_dict, streams)


def _sync(
    config: dict[str, Any], state: dict | None, catalog: dict | None, streams: set[str] | None
) -> tuple[SyncOutput, BaseException | None]:
    if streams is not None:
        catalog = catalog_selecting(config, streams)
    return sync_tap(TapDirecto(config=config, state=state, catalog=catalog))


def run_tap(
    config: dict[str, Any],
    state: dict | None = None,
    catalog: dict | None = None,
    streams: set[str] | None = None,
) -> SyncOutput:
    """One sync, as `tap-directo --config --state --catalog` would run it."""
    out, error = _sync(config, state, catalog, streams)
    if error is not None:
        raise error
    return out


def run_tap_failing(
    config: dict[str, Any], state: dict | None = None, streams: set[str] | None = None
) -> tuple[SyncOutput, BaseException]:
    """A sync expected to fail: the messages written before the failure, and the error."""
    out, error = _sync(config, state, None, streams)
    assert error is not None, "the sync was expected to fail"
    return out, error
