"""A fake Google Drive v3: files.list (q on parents and trashed, nextPageToken), files.get (metadata
and alt=media), files.export and drives.get, in Drive's resource and error shapes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tests.fakes.http import FakeAPI, Request, Response

FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def now() -> datetime:
    moment = datetime.now(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass
class File:
    id: str
    name: str
    mime_type: str
    parent: str
    content: bytes = b""  # HTML for Docs, CSV for Sheets, the bytes otherwise
    modified: datetime = field(default_factory=now)
    trashed: bool = False
    target: str | None = None  # shortcuts
    permissions: list[dict[str, Any]] = field(default_factory=list)


class FakeDrive(FakeAPI):
    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, File] = {}
        self.drives: dict[str, str] = {}
        self._next = 0

    def add(self, name: str, mime_type: str, parent: str, content: bytes | str = b"", **extra: Any) -> str:
        self._next += 1
        file_id = f"1{self._next:04d}abcDEF"
        data = content.encode() if isinstance(content, str) else content
        self.files[file_id] = File(file_id, name, mime_type, parent, data, **extra)
        return file_id

    def add_drive(self, drive_id: str, name: str) -> None:
        self.drives[drive_id] = name

    def edit(self, file_id: str, content: bytes | str) -> None:
        file = self.files[file_id]
        file.content = content.encode() if isinstance(content, str) else content
        file.modified = now()

    def delete(self, file_id: str) -> None:
        del self.files[file_id]

    def share(self, file_id: str, permissions: list[dict[str, Any]]) -> None:
        """Replace a file's permissions as the share dialog does: `modifiedTime` does not change."""
        self.files[file_id].permissions = permissions

    def error_body(self, status: int) -> Any:
        reasons = {429: ("rateLimitExceeded", "RESOURCE_EXHAUSTED"), 404: ("notFound", "NOT_FOUND"),
                   500: ("backendError", "INTERNAL"), 503: ("backendError", "UNAVAILABLE")}
        reason, state = reasons.get(status, ("error", "UNKNOWN"))
        message = f"fake drive {reason}"
        return {"error": {"code": status, "message": message, "status": state,
                          "errors": [{"message": message, "domain": "global", "reason": reason}]}}

    def _resource(self, file: File) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": "drive#file", "id": file.id, "name": file.name, "mimeType": file.mime_type,
            "parents": [file.parent], "trashed": file.trashed, "modifiedTime": stamp(file.modified),
            "webViewLink": f"https://docs.google.com/document/d/{file.id}/edit?usp=drivesdk",
            "owners": [{"kind": "drive#user", "displayName": "Bob Owner", "emailAddress": "bob@example.com"}],
            "lastModifyingUser": {"kind": "drive#user", "displayName": "Bob Owner", "emailAddress": "bob@example.com"},
            "permissions": file.permissions or [{"kind": "drive#permission", "id": "p1", "type": "user",
                                                 "role": "owner", "emailAddress": "bob@example.com"}],
        }
        if not file.mime_type.startswith("application/vnd.google-apps"):
            data["size"] = str(len(file.content))
        if file.target:
            target = self.files.get(file.target)
            data["shortcutDetails"] = {"targetId": file.target,
                                       "targetMimeType": target.mime_type if target else "application/pdf"}
        return data

    def _list(self, request: Request) -> Response:
        query = request.query.get("q", "")
        parent = re.search(r"'([^']+)' in parents", query)
        wanted = [f for f in self.files.values()
                  if (not parent or f.parent == parent.group(1))
                  and not ("trashed = false" in query and f.trashed)]
        wanted.sort(key=lambda f: f.id)
        size = int(request.query.get("pageSize", 100))
        start = int(request.query.get("pageToken", "0") or 0)
        body: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False,
                                "files": [self._resource(f) for f in wanted[start : start + size]]}
        if start + size < len(wanted):
            body["nextPageToken"] = str(start + size)
        return Response(200, body)

    def route(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer"):
            pass  # anonymous credentials in tests send none; real Drive would answer 401
        path = request.path
        if path == "/drive/v3/files":
            return self._list(request)
        match = re.fullmatch(r"/drive/v3/drives/([^/]+)", path)
        if match:
            return Response(200, {"kind": "drive#drive", "id": match.group(1), "name": self.drives[match.group(1)]})
        match = re.fullmatch(r"/drive/v3/files/([^/]+)/export", path)
        if match:
            file = self.files[match.group(1)]
            return Response(200, file.content, {"Content-Type": request.query.get("mimeType", "text/plain")})
        match = re.fullmatch(r"/drive/v3/files/([^/]+)", path)
        if match:
            if match.group(1) in self.drives:
                return Response(200, {"kind": "drive#file", "id": match.group(1), "name": self.drives[match.group(1)],
                                      "mimeType": FOLDER})
            file = self.files[match.group(1)]
            if request.query.get("alt") == "media":
                return Response(200, file.content, {"Content-Type": file.mime_type})
            return Response(200, self._resource(file))
        raise KeyError(path)
