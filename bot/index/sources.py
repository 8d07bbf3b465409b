"""Which sources are configured: the one place that turns settings into connectors."""

from __future__ import annotations

from connectors.base import Connector
from connectors.localdir import LocalFolder

from bot.config import Settings


def local_folder(path: str, settings: Settings) -> LocalFolder:
    return LocalFolder(path, base_url=settings.local_base_url, max_bytes=settings.max_document_bytes)


def configured_connectors(settings: Settings, only: str | None = None) -> list[Connector]:
    """Connectors for every configured source, or just those of kind `only` (local, confluence, ...)."""
    connectors: list[Connector] = []
    if only in (None, "local"):
        connectors.extend(local_folder(path, settings) for path in settings.local_paths)
    return connectors
