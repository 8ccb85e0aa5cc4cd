"""A catalog that selects only streams the tap does not have is refused, not run as a no-op.

singer-sdk applies a catalog to the streams the tap builds and skips the rest silently, so a
catalog from another tap, an old discovery or a misspelt `select` ran, did nothing and exited 0.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

from singer_sdk.singerlib import Catalog

from connector_common.input_files import BadInputFileError

if TYPE_CHECKING:  # a mixin: the type checker sees the tap class it is mixed into
    from singer_sdk import Tap as _Tap
else:
    _Tap = object


def selected_streams(catalog: Catalog) -> list[str]:
    """The tap_stream_ids the catalog selects (explicitly or by default)."""
    return [
        entry.tap_stream_id
        for entry in catalog.values()
        if entry.metadata.resolve_selection().get((), False)
    ]


def check_selection(
    catalog: Catalog | None, streams: Collection[str], logger: logging.Logger
) -> None:
    """Refuse a catalog selecting only unknown streams; warn about unknown ones otherwise."""
    if catalog is None:
        return
    selected = selected_streams(catalog)
    if not selected:
        logger.warning(
            "catalog: selects no stream, so nothing is synced; select streams (meltano: "
            "`meltano select`) from: %s.",
            ", ".join(sorted(streams)) or "(none)",
        )
        return
    unknown = sorted(s for s in selected if s not in streams)
    if not unknown:
        return
    names = ", ".join(unknown)
    existing = ", ".join(sorted(streams)) or "(none)"
    if len(unknown) == len(selected):
        raise BadInputFileError(
            f"catalog: selects only streams this tap does not have ({names}); its streams "
            f"are: {existing}. Regenerate the catalog with --discover (meltano: "
            "--refresh-catalog) or fix `select`."
        )
    logger.warning(
        "catalog: selects streams this tap does not have (%s); they are skipped. Its streams "
        "are: %s.",
        names,
        existing,
    )


class CheckedSelectionMixin(_Tap):
    """Mix into a Tap (before it): the catalog's selection is checked before the first sync."""

    # singer-sdk marks sync_all final and has no hook before the first stream syncs.
    def sync_all(self) -> None:  # type: ignore[misc]
        check_selection(self.input_catalog, self.streams, self.logger)
        super().sync_all()
