"""A fake Notion API (Notion-Version 2025-09-03) shaped on the recordings in
../shared/fixtures/notion/: pages, blocks and their children with next_cursor pagination,
databases with data sources, data source queries, search, and Notion's error objects."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tests.fakes.http import FakeAPI, Request, Response

USER = {"object": "user", "id": "7775f3a3-893f-43fa-b625-460c61094c78"}
CODES = {400: "validation_error", 401: "unauthorized", 404: "object_not_found", 429: "rate_limited",
         500: "internal_server_error", 503: "service_unavailable"}


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:00.000Z")


def now() -> datetime:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


def text(content: str, **annotations: bool) -> list[dict[str, Any]]:
    notes = {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False,
             "color": "default", **annotations}
    return [{"type": "text", "text": {"content": content, "link": None}, "annotations": notes,
             "plain_text": content, "href": None}]


def block(kind: str, body: dict[str, Any] | None = None, children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A block as a test writes it: type, its body, and nested children."""
    return {"type": kind, kind: body if body is not None else {}, "_children": children or []}


@dataclass
class Page:
    id: str
    title: str
    parent: dict[str, Any]
    blocks: list[dict[str, Any]] = field(default_factory=list)
    edited: datetime = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)  # seeded content is old; edits are now
    in_trash: bool = False
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Database:
    id: str
    title: str
    parent: dict[str, Any]
    source_id: str
    rows: list[str] = field(default_factory=list)
    edited: datetime = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


class FakeNotion(FakeAPI):
    def __init__(self) -> None:
        super().__init__()
        self.pages: dict[str, Page] = {}
        self.databases: dict[str, Database] = {}
        self.blocks: dict[str, dict[str, Any]] = {}  # every stored block by id, with its parent id
        self.clock = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)

    # -- content model ---------------------------------------------------------------------------
    def add_page(self, title: str, blocks: list[dict[str, Any]], *, parent: str | None = None,
                 properties: dict[str, Any] | None = None, in_database: str | None = None) -> str:
        page_id = str(uuid.uuid4())
        if in_database:
            database = self.databases[in_database]
            parent_ref = {"type": "data_source_id", "data_source_id": database.source_id, "database_id": database.id}
            database.rows.append(page_id)
        elif parent:
            parent_ref = {"type": "page_id", "page_id": parent}
        else:
            parent_ref = {"type": "workspace", "workspace": True}
        page = Page(page_id, title, parent_ref, properties=properties or {})
        self.pages[page_id] = page
        page.blocks = [self._store(b, page_id) for b in blocks]
        if parent and not in_database:
            self.pages[parent].blocks.append(self._store(block("child_page", {"title": title}), parent, page_id))
            self.pages[parent].edited = now()  # adding a sub-page edits its parent, as in Notion
        return page_id

    def add_database(self, title: str, parent: str) -> str:
        database = Database(str(uuid.uuid4()), title, {"type": "page_id", "page_id": parent}, str(uuid.uuid4()))
        self.databases[database.id] = database
        self.pages[parent].blocks.append(self._store(block("child_database", {"title": title}), parent, database.id))
        return database.id

    def _store(self, spec: dict[str, Any], parent: str, block_id: str | None = None) -> dict[str, Any]:
        block_id = block_id or str(uuid.uuid4())
        children = [self._store(child, block_id) for child in spec.get("_children", [])]
        stored = {k: v for k, v in spec.items() if k != "_children"}
        stored.update(id=block_id, _parent=parent, _children=children)
        self.blocks[block_id] = stored
        return stored

    def edit(self, page_id: str, blocks: list[dict[str, Any]]) -> None:
        page = self.pages[page_id]
        keep = [b for b in page.blocks if b.get("type") in ("child_page", "child_database")]
        page.blocks = [self._store(b, page_id) for b in blocks] + keep
        page.edited = now()

    def trash(self, page_id: str) -> None:
        self.pages[page_id].in_trash = True

    # -- shapes ------------------------------------------------------------------------------------
    def error_body(self, status: int) -> Any:
        return {"object": "error", "status": status, "code": CODES.get(status, "internal_server_error"),
                "message": f"fake notion {status}", "request_id": str(uuid.uuid4())}

    def _page(self, page: Page) -> dict[str, Any]:
        properties = {"title": {"id": "title", "type": "title", "title": text(page.title)}, **page.properties}
        return {"object": "page", "id": page.id, "created_time": stamp(self.clock),
                "last_edited_time": stamp(page.edited), "created_by": USER, "last_edited_by": USER,
                "cover": None, "icon": None, "parent": page.parent, "in_trash": page.in_trash,
                "is_archived": page.in_trash, "is_locked": False, "properties": properties,
                "url": f"https://www.notion.so/{re.sub('[^A-Za-z0-9]+', '-', page.title)}-{page.id.replace('-', '')}",
                "public_url": None, "archived": page.in_trash, "request_id": str(uuid.uuid4())}

    def _block(self, stored: dict[str, Any]) -> dict[str, Any]:
        parent = stored["_parent"]
        parent_ref = ({"type": "page_id", "page_id": parent} if parent in self.pages
                      else {"type": "block_id", "block_id": parent})
        kind = stored.get("type")
        edited = self.pages[stored["id"]].edited if stored["id"] in self.pages else self.clock
        data = {"object": "block", "id": stored["id"], "parent": parent_ref, "created_time": stamp(self.clock),
                "last_edited_time": stamp(edited), "created_by": USER, "last_edited_by": USER,
                "has_children": bool(stored["_children"]) or kind in ("child_page", "child_database"),
                "in_trash": False, "archived": False}
        data.update({k: v for k, v in stored.items() if not k.startswith("_") and k != "id"})
        return data

    def _database(self, database: Database) -> dict[str, Any]:
        return {"object": "database", "id": database.id, "title": text(database.title),
                "description": text(f"Tracks {database.title.lower()}"), "parent": database.parent,
                "is_inline": True, "in_trash": False, "is_locked": False,
                "created_time": stamp(self.clock), "last_edited_time": stamp(database.edited),
                "data_sources": [{"id": database.source_id, "name": database.title}], "icon": None, "cover": None,
                "url": f"https://www.notion.so/{database.id.replace('-', '')}", "public_url": None,
                "archived": False, "request_id": str(uuid.uuid4())}

    @staticmethod
    def _list(results: list[dict[str, Any]], request: Request, kind: str, body: dict[str, Any]) -> Response:
        size = int(body.get("page_size") or request.query.get("page_size") or 100)
        cursor = body.get("start_cursor") or request.query.get("start_cursor")
        ids = [r["id"] for r in results]
        start = ids.index(cursor) if cursor else 0
        page = results[start : start + size]
        more = start + size < len(results)
        return Response(200, {"object": "list", "results": page, "next_cursor": ids[start + size] if more else None,
                              "has_more": more, "type": kind, kind: {}, "request_id": str(uuid.uuid4())})

    def route(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return Response(401, self.error_body(401))
        path = request.path
        body = request.json() if request.method == "POST" else {}
        match = re.fullmatch(r"/v1/pages/([^/]+)", path)
        if match:
            return Response(200, self._page(self.pages[match.group(1)]))
        match = re.fullmatch(r"/v1/blocks/([^/]+)/children", path)
        if match:
            owner = match.group(1)
            stored = self.pages[owner].blocks if owner in self.pages else self.blocks[owner]["_children"]
            return self._list([self._block(b) for b in stored], request, "block", body)
        match = re.fullmatch(r"/v1/blocks/([^/]+)", path)
        if match:
            return Response(200, self._block(self.blocks[match.group(1)]))
        match = re.fullmatch(r"/v1/databases/([^/]+)", path)
        if match:
            return Response(200, self._database(self.databases[match.group(1)]))
        match = re.fullmatch(r"/v1/data_sources/([^/]+)/query", path)
        if match:
            database = next(d for d in self.databases.values() if d.source_id == match.group(1))
            rows = [self._page(self.pages[r]) for r in database.rows if not self.pages[r].in_trash]
            return self._list(rows, request, "page_or_data_source", body)
        if path == "/v1/search":
            pages = [self._page(p) for p in self.pages.values() if not p.in_trash]
            return self._list(pages, request, "page_or_data_source", body)
        raise KeyError(path)
