"""Which sources are configured: the one place that turns settings into connectors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from connectors.base import Connector, Document, IncompleteListing, Skipped
from connectors.localdir import LocalFolder

from bot.config import Settings


def local_folder(path: str, settings: Settings) -> LocalFolder:
    return LocalFolder(path, base_url=settings.local_base_url, max_bytes=settings.max_document_bytes,
                       max_pages=settings.max_document_pages)


KINDS = ("local", "confluence", "gdrive", "notion")


class Unavailable:
    """Stands in for a source that could not be set up (a missing token, an unreadable key file).

    Its error then shows in the sync summary and `kb status` under the source's name while every
    other source still syncs, and since it lists nothing, nothing it indexed before is deleted.
    """

    def __init__(self, name: str, error: Exception) -> None:
        self.name = name
        self.error = error

    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        raise self.error

    def list_ids(self) -> set[str]:
        raise IncompleteListing(str(self.error))


def _build(kind: str, make: Callable[[Settings], Connector], settings: Settings) -> Connector:
    try:
        return make(settings)
    except Exception as error:  # reported through the sync, never fatal to the other sources
        return Unavailable(kind, error)


def confluence(settings: Settings) -> Connector:
    from connectors.confluence import Confluence

    return Confluence(
        settings.confluence_url,
        settings.confluence_spaces,
        email=settings.confluence_email or None,
        api_token=settings.confluence_api_token.get_secret_value() if settings.confluence_api_token else None,
        personal_token=(settings.confluence_personal_token.get_secret_value()
                        if settings.confluence_personal_token else None),
        include=tuple(settings.confluence_include),
        exclude=tuple(settings.confluence_exclude),
        max_bytes=settings.max_document_bytes,
        max_pages=settings.max_document_pages,
    )


def gdrive(settings: Settings) -> Connector:
    from connectors.gdrive import GoogleDrive, drive_credentials

    credentials = drive_credentials(service_account_file=settings.gdrive_service_account_file,
                                    delegate=settings.gdrive_delegate,
                                    oauth_token_file=settings.gdrive_oauth_token_file)
    return GoogleDrive(credentials, folders=settings.gdrive_folders, shared_drives=settings.gdrive_shared_drives,
                       include=tuple(settings.gdrive_include), exclude=tuple(settings.gdrive_exclude),
                       api_endpoint=settings.gdrive_api_url or None, max_bytes=settings.max_document_bytes,
                       max_pages=settings.max_document_pages)


def notion(settings: Settings) -> Connector:
    from connectors.notion import Notion

    if settings.notion_token is None:
        raise ValueError("Notion needs KB_NOTION_TOKEN")
    return Notion(settings.notion_token.get_secret_value(), pages=settings.notion_pages,
                  databases=settings.notion_databases, base_url=settings.notion_api_url, acl=settings.notion_acl)


def configured_connectors(settings: Settings, only: str | None = None) -> list[Connector]:
    """Connectors for every configured source, or just those of kind `only` (local, confluence, ...).

    A source counts as configured when its URL or roots are set; one that cannot be built (say, a
    missing token) becomes `Unavailable`, so the sync reports it instead of skipping it in silence.
    """
    if only is not None and only not in KINDS:
        raise ValueError(f"unknown source kind {only!r}; choose one of {', '.join(KINDS)}")
    connectors: list[Connector] = []
    if only in (None, "local"):
        connectors.extend(local_folder(path, settings) for path in settings.local_paths)
    if only in (None, "confluence") and settings.confluence_url:
        connectors.append(_build("confluence", confluence, settings))
    if only in (None, "gdrive") and (settings.gdrive_folders or settings.gdrive_shared_drives):
        connectors.append(_build("gdrive", gdrive, settings))
    if only in (None, "notion") and (settings.notion_pages or settings.notion_databases):
        connectors.append(_build("notion", notion, settings))
    return connectors
