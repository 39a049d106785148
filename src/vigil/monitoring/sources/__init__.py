"""Built-in sources; third parties add theirs through the ``vigil.plugins`` entry points."""

from __future__ import annotations

from vigil.monitoring.base import Source
from vigil.monitoring.sources.bluesky import JetstreamSource
from vigil.monitoring.sources.files import CsvFileSource, FolderSource, JsonlFileSource
from vigil.monitoring.sources.mastodon import MastodonSource
from vigil.monitoring.sources.rss import FeedSource
from vigil.monitoring.sources.telegram import TelegramExportSource
from vigil.monitoring.sources.webhook import WebhookSource
from vigil.registry import Registry

BUILTIN_SOURCES: tuple[type[Source], ...] = (
    JsonlFileSource,
    CsvFileSource,
    FolderSource,
    WebhookSource,
    FeedSource,
    MastodonSource,
    JetstreamSource,
    TelegramExportSource,
)


def source_registry(*, entry_points: bool = True) -> Registry[type[Source]]:
    registry: Registry[type[Source]] = Registry(Source, BUILTIN_SOURCES)
    if entry_points:
        registry.load_entry_points()
    return registry


__all__ = ["BUILTIN_SOURCES", "source_registry"]
