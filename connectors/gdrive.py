"""Google Drive (v3): configured folders and shared drives, walked recursively.

Drive has no "everything under this folder changed since T" query, so each sync walks the folder
tree with metadata-only `files.list` calls (the walk also gives the complete listing deletions
need) and downloads a file only when its `modifiedTime` differs from the index's copy. The same
listing carries each file's permissions, which unsharing changes without touching `modifiedTime`:
`list_access` hands them to the sync with no further request. Google Docs
are exported as HTML and go through the shared converter; Sheets export as CSV (the first sheet,
a Drive export limit) and become a markdown table; PDFs and DOCX are downloaded and parsed.
"""

from __future__ import annotations

import fnmatch
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httplib2
import structlog
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from connectors.base import EVERYONE, AccessListing, Document, IncompleteListing, IndexedVersions, Skipped, parse_time
from connectors.markdown import (
    MAX_PAGES,
    csv_to_markdown,
    docx_to_markdown,
    html_blocks_to_markdown,
    html_to_markdown,
    pdf_to_markdown,
    tidy,
)
from connectors.retry import Failure, RetryPolicy, call_with_retries

log = structlog.get_logger(__name__)

SCOPES = ["https://www.googleapis.com/auth/drive.readonly"]
FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
GOOGLE_DOC = "application/vnd.google-apps.document"
GOOGLE_SHEET = "application/vnd.google-apps.spreadsheet"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
READABLE = {GOOGLE_DOC, GOOGLE_SHEET, PDF, DOCX, "text/plain", "text/markdown"}
FILE_FIELDS = ("id,name,mimeType,modifiedTime,webViewLink,size,trashed,parents,shortcutDetails,"
               "owners(displayName,emailAddress),lastModifyingUser(displayName,emailAddress),"
               "permissions(type,role,emailAddress,domain)")


def classify(error: BaseException) -> Failure | None:
    """How a google-api-python-client error reads to the shared retry helper."""
    if isinstance(error, HttpError):
        return Failure(int(error.resp.status), error.resp.get("retry-after"))
    if isinstance(error, (httplib2.HttpLib2Error, ConnectionError, socket.timeout, TimeoutError)):
        return Failure(None)
    return None


def drive_credentials(
    *, service_account_file: str = "", delegate: str = "", oauth_token_file: str = ""
) -> Any:
    """Read-only Drive credentials: a service account (optionally acting as `delegate` through
    domain-wide delegation) or a user's OAuth token file (`authorized_user` JSON)."""
    if service_account_file:
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_file(service_account_file, scopes=SCOPES)
        return credentials.with_subject(delegate) if delegate else credentials
    if oauth_token_file:
        from google.oauth2.credentials import Credentials

        return Credentials.from_authorized_user_file(oauth_token_file, scopes=SCOPES)
    raise ValueError("Google Drive needs KB_GDRIVE_SERVICE_ACCOUNT_FILE or KB_GDRIVE_OAUTH_TOKEN_FILE")


@dataclass(frozen=True)
class Found:
    """A readable file met on the walk, with the folder trail it was met under."""

    file: dict[str, Any]
    trail: tuple[str, ...]


class GoogleDrive:
    """Connector over configured Drive folders and shared drives."""

    name = "gdrive"

    def __init__(
        self,
        credentials: Any,
        *,
        folders: list[str] = (),  # type: ignore[assignment]
        shared_drives: list[str] = (),  # type: ignore[assignment]
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
        api_endpoint: str | None = None,
        page_size: int = 100,
        max_bytes: int = 20_000_000,
        max_pages: int = MAX_PAGES,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not folders and not shared_drives:
            raise ValueError("Google Drive needs folders or shared drives (KB_GDRIVE_FOLDERS, KB_GDRIVE_SHARED_DRIVES)")
        self.folders, self.shared_drives = list(folders), list(shared_drives)
        self.include, self.exclude = include, exclude
        self.page_size = page_size
        self.max_bytes = max_bytes
        self.max_pages = max_pages
        self.retry = retry or RetryPolicy()
        options = {"api_endpoint": api_endpoint} if api_endpoint else None
        # The bundled discovery document: no network call to build the client, and num_retries
        # stays 0 on every execute() so only the shared retry helper retries.
        self.service = build("drive", "v3", credentials=credentials, static_discovery=True, cache_discovery=False,
                             client_options=options)
        self._listing: dict[str, list[str]] | None = None
        """The last complete walk's files and their access lists, until `list_access` takes them."""

    def _execute(self, request: Any, what: str) -> Any:
        return call_with_retries(request.execute, classify, what=what, policy=self.retry)

    # -- the walk -------------------------------------------------------------------------------------
    def _roots(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        files = self.service.files()
        for drive_id in self.shared_drives:
            drive = self._execute(self.service.drives().get(driveId=drive_id, fields="id,name"), "gdrive.drive")
            yield drive_id, (drive.get("name") or drive_id,)
        for folder_id in self.folders:
            folder = self._execute(files.get(fileId=folder_id, fields="id,name,mimeType", supportsAllDrives=True),
                                   "gdrive.folder")
            yield folder_id, (folder.get("name") or folder_id,)

    def _children(self, folder_id: str) -> Iterator[dict[str, Any]]:
        token = None
        while True:
            request = self.service.files().list(
                q=f"'{folder_id}' in parents and trashed = false",
                fields=f"nextPageToken, files({FILE_FIELDS})",
                pageSize=self.page_size,
                pageToken=token,
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
            )
            response = self._execute(request, "gdrive.list")
            yield from response.get("files", [])
            token = response.get("nextPageToken")
            if not token:
                return

    def _walk(self) -> Iterator[Found]:
        """Every readable, untrashed file under the roots, each once; shortcuts followed one hop."""
        folders = list(self._roots())
        seen_folders = {folder_id for folder_id, _ in folders}
        seen_files: set[str] = set()
        while folders:
            folder_id, trail = folders.pop()
            for item in self._children(folder_id):
                if item.get("mimeType") == SHORTCUT:
                    item = self._resolve(item)
                    if item is None:
                        continue
                if item.get("trashed"):
                    continue
                if item.get("mimeType") == FOLDER:
                    if item["id"] not in seen_folders:
                        seen_folders.add(item["id"])
                        folders.append((item["id"], (*trail, item.get("name", ""))))
                elif item.get("mimeType") in READABLE and item["id"] not in seen_files:
                    seen_files.add(item["id"])
                    found = Found(item, trail)
                    if self._wanted(found):
                        yield found

    def _resolve(self, shortcut: dict[str, Any]) -> dict[str, Any] | None:
        """The shortcut's target (never another shortcut: Drive does not allow chains)."""
        target_id = (shortcut.get("shortcutDetails") or {}).get("targetId")
        if not target_id:
            return None
        try:
            target = self._execute(self.service.files().get(fileId=target_id, fields=FILE_FIELDS,
                                                             supportsAllDrives=True), "gdrive.shortcut")
        except HttpError as error:
            if int(error.resp.status) in (403, 404):  # target deleted or not shared with us
                log.info("gdrive.shortcut_dangling", shortcut=shortcut.get("id"), target=target_id)
                return None
            raise
        return None if target.get("mimeType") == SHORTCUT else target

    def _wanted(self, found: Found) -> bool:
        path = self._path(found)
        if self.include and not any(fnmatch.fnmatch(path, pattern) for pattern in self.include):
            return False
        return not any(fnmatch.fnmatch(path, pattern) for pattern in self.exclude)

    @staticmethod
    def _path(found: Found) -> str:
        return "/".join((*found.trail, found.file.get("name", "")))

    # -- the Connector protocol -------------------------------------------------------------------------
    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        return self.changed_documents(since, {})

    def changed_documents(self, since: datetime | None, indexed: IndexedVersions) -> Iterator[Document | Skipped]:
        self._listing = None
        listed: dict[str, list[str]] = {}
        for found in self._walk():
            doc_id = f"gdrive:{found.file['id']}"
            listed[doc_id] = _acl(found.file)[0]
            modified = parse_time(found.file.get("modifiedTime"))
            if indexed:
                if indexed.get(doc_id) == modified:
                    continue
            elif since is not None and modified is not None and modified < since:
                continue
            try:
                yield self._document(found)
            except Exception as error:  # one unreadable file never stops the drive
                log.warning("gdrive.skipped", id=found.file.get("id"), error=str(error))
                yield Skipped(id=doc_id, path=self._path(found), reason=f"{type(error).__name__}: {error}")
        self._listing = listed  # the walk completed: list_access can answer without walking again

    def list_ids(self) -> set[str]:
        return set(self.list_access().acls)

    def list_access(self) -> AccessListing:
        """Every file with who may read it now, from the walk's own metadata (`permissions` is listed)."""
        if self._listing is not None:
            listing, self._listing = self._listing, None
            return AccessListing(listing)
        try:
            return AccessListing({f"gdrive:{found.file['id']}": _acl(found.file)[0] for found in self._walk()})
        except Exception as error:
            raise IncompleteListing(f"could not list Google Drive: {error}") from error

    # -- content ----------------------------------------------------------------------------------------
    def _document(self, found: Found) -> Document:
        file = found.file
        mime = file["mimeType"]
        files = self.service.files()
        size = int(file.get("size") or 0)
        if size > self.max_bytes:
            raise ValueError(f"{size:,} bytes is over the {self.max_bytes:,}-byte limit")
        title = file.get("name") or ""
        if mime == GOOGLE_DOC:
            html = self._execute(files.export(fileId=file["id"], mimeType="text/html"), "gdrive.export")
            _, text = html_to_markdown(_text(html))
        elif mime == GOOGLE_SHEET:
            csv_text = self._execute(files.export(fileId=file["id"], mimeType="text/csv"), "gdrive.export")
            text = csv_to_markdown(_text(csv_text))
        else:
            data = self._execute(files.get_media(fileId=file["id"], supportsAllDrives=True), "gdrive.download")
            if not data:
                raise ValueError("the file is empty")
            if mime == PDF:
                title, text = pdf_to_markdown(data, self.max_pages)
            elif mime == DOCX:
                title, text = docx_to_markdown(data)
            else:
                text = tidy(html_blocks_to_markdown(_text(data)))
            title = title or file.get("name") or ""
        if not text.strip():
            raise ValueError("no text found in the file")
        acl, permissions = _acl(file)
        author = (file.get("owners") or [{}])[0].get("displayName") or \
            (file.get("lastModifyingUser") or {}).get("displayName", "")
        return Document(
            id=f"gdrive:{file['id']}",
            source="gdrive",
            title=title,
            url=file.get("webViewLink") or f"https://drive.google.com/open?id={file['id']}",
            path=self._path(found),
            text=text,
            updated_at=parse_time(file.get("modifiedTime")),
            acl=acl,
            metadata={"author": author, "mime_type": mime, "permissions": permissions},
        )


def _text(data: bytes | str) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _acl(file: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Principals from Drive permissions: `anyone` (link sharing included) reads as everyone, a
    `domain` grant as `domain:NAME` (KB_PUBLIC_PRINCIPALS says whether that domain is everyone).

    Drive omits `permissions` for files in shared drives a service account only reaches through
    drive membership; those fall back to the owners, and the raw list is kept for the ACL work.
    """
    permissions = file.get("permissions") or []
    principals: list[str] = []
    for grant in permissions:
        kind = grant.get("type")
        if kind == "anyone":
            principals.append(EVERYONE)
        elif kind == "domain" and grant.get("domain"):
            principals.append(f"domain:{grant['domain'].lower()}")
        elif kind in ("user", "group") and grant.get("emailAddress"):
            principals.append(f"{kind}:{grant['emailAddress'].lower()}")
    if not principals:
        principals = [f"user:{owner['emailAddress'].lower()}" for owner in file.get("owners") or []
                      if owner.get("emailAddress")]
    return sorted(set(principals)) or [f"drive:{(file.get('parents') or [''])[0]}"], permissions
