"""A fake Confluence (Cloud layout, under /wiki) speaking REST v1 content, CQL content search with
cursor `_links.next`, read restrictions by operation (users and groups paged with `start`/`limit`,
capped by a system limit, also where expanded), and attachment downloads, in the documented
response shapes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlencode

from tests.fakes.http import FakeAPI, Request, Response


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def now() -> datetime:
    moment = datetime.now(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass
class Item:
    id: str
    type: str  # page, blogpost, attachment
    title: str
    space: str
    when: datetime
    body: str | None = ""
    parent: str | None = None  # ancestor page id (pages) or container page id (attachments)
    version: int = 1
    media_type: str = ""
    data: bytes = b""
    read_users: list[str] = field(default_factory=list)
    read_groups: list[str] = field(default_factory=list)


class FakeConfluence(FakeAPI):
    USER = {"type": "known", "accountId": "5b10ac8d82e05b22cc7d4ef5", "accountType": "atlassian",
            "email": "alice@example.com", "publicName": "Alice", "displayName": "Alice Admin"}

    def __init__(self) -> None:
        super().__init__()
        self.spaces: dict[str, str] = {}
        self.items: dict[str, Item] = {}
        self._next_id = 65000
        self.restriction_limit = 200
        """The most users, and the most groups, one restriction answer lists (Confluence's fixed system limit)."""

    # -- content model -------------------------------------------------------------------------
    def add_space(self, key: str, name: str) -> None:
        self.spaces[key] = name

    def add_page(self, space: str, title: str, body: str, *, parent: str | None = None,
                 when: datetime | None = None, **extra: Any) -> str:
        self._next_id += 1
        item = Item(str(self._next_id), "page", title, space, when or now(), body, parent, **extra)
        self.items[item.id] = item
        return item.id

    def add_attachment(self, page_id: str, filename: str, media_type: str, data: bytes) -> str:
        self._next_id += 1
        page = self.items[page_id]
        item = Item(f"att{self._next_id}", "attachment", filename, page.space, now(), None, page_id,
                    media_type=media_type, data=data)
        self.items[item.id] = item
        return item.id

    def edit(self, item_id: str, body: str) -> None:
        item = self.items[item_id]
        item.body, item.version, item.when = body, item.version + 1, now()

    def delete(self, item_id: str) -> None:
        del self.items[item_id]

    def restrict(self, item_id: str, *, users: list[str] = (), groups: list[str] = ()) -> None:  # type: ignore[assignment]
        """Set a page's read restrictions as the restrictions dialog does: version and date unchanged."""
        item = self.items[item_id]
        item.read_users, item.read_groups = list(users), list(groups)

    # -- shapes ----------------------------------------------------------------------------------
    def error_body(self, status: int) -> Any:
        return {"statusCode": status, "data": {"authorized": True, "valid": True, "errors": [], "successful": False},
                "message": f"com.atlassian.confluence.api.service.exceptions.ServiceException: HTTP {status}"}

    @property
    def base(self) -> str:
        return f"{self.url}/wiki"

    def _space(self, key: str) -> dict[str, Any]:
        return {"id": abs(hash(key)) % 10**8, "key": key, "name": self.spaces[key], "type": "global",
                "status": "current", "_links": {"webui": f"/spaces/{key}", "self": f"{self.base}/rest/api/space/{key}"}}

    def _ancestors(self, item: Item) -> list[dict[str, Any]]:
        chain, parent = [], item.parent if item.type != "attachment" else None
        while parent:
            page = self.items[parent]
            chain.insert(0, {"id": page.id, "type": "page", "status": "current", "title": page.title,
                             "_links": {"webui": f"/spaces/{page.space}/pages/{page.id}"}})
            parent = page.parent
        return chain

    def _content(self, item: Item, expand: set[str]) -> dict[str, Any]:
        data: dict[str, Any] = {"id": item.id, "type": item.type, "status": "current", "title": item.title}
        if "space" in expand:
            data["space"] = self._space(item.space)
        if "version" in expand:
            data["version"] = {"by": self.USER, "when": stamp(item.when), "friendlyWhen": "just a moment ago",
                               "message": "", "number": item.version, "minorEdit": False,
                               "contentTypeModified": False}
        if "ancestors" in expand:
            data["ancestors"] = self._ancestors(item)
        if "history" in expand:
            data["history"] = {"latest": True, "createdBy": self.USER, "createdDate": "2024-01-02T09:00:00.000Z"}
        if "body.storage" in expand and item.type != "attachment":
            if item.body is not None:
                data["body"] = {"storage": {"value": item.body, "representation": "storage",
                                            "embeddedContent": [], "_expandable": {"content": ""}}}
            else:
                data["body"] = {"_expandable": {"storage": "", "view": ""}}
        if any(key.startswith("restrictions") for key in expand):
            named = {key.removeprefix("restrictions.read.") for key in expand if key.startswith("restrictions.read.")}
            data["restrictions"] = {"read": self._read_restriction(item, named)}
        if item.type == "attachment":
            page = self.items[item.parent or ""]
            data["metadata"] = {"mediaType": item.media_type, "comment": ""}
            data["extensions"] = {"mediaType": item.media_type, "fileSize": len(item.data), "comment": ""}
            if "container" in expand:
                data["container"] = {"id": page.id, "type": "page", "status": "current", "title": page.title}
            data["_links"] = {
                "webui": f"/pages/viewpageattachments.action?pageId={page.id}&preview={quote('/' + item.title)}",
                "download": f"/download/attachments/{page.id}/{quote(item.title)}?version={item.version}&api=v2",
                "self": f"{self.base}/rest/api/content/{item.id}"}
        else:
            data["_links"] = {"webui": f"/spaces/{item.space}/pages/{item.id}/{quote(item.title.replace(' ', '+'))}",
                              "tinyui": f"/x/{item.id}", "self": f"{self.base}/rest/api/content/{item.id}"}
        data["_expandable"] = {"children": f"/rest/api/content/{item.id}/child", "descendants": ""}
        return data

    def _read_restriction(self, item: Item, expand: set[str], start: int = 0, limit: int | None = None) -> dict[str, Any]:
        """A `ContentRestriction` for the read operation: users and groups listed only when expanded,
        each from `start`, at most `limit` (capped by the system limit) of them."""
        limit = min(limit or self.restriction_limit, self.restriction_limit)

        def results(values: list[dict[str, Any]]) -> dict[str, Any]:
            page = values[start : start + limit]
            return {"results": page, "start": start, "limit": limit, "size": len(page)}

        named: dict[str, Any] = {}
        if "restrictions.user" in expand:
            named["user"] = results([{"type": "known", "accountId": u, "email": u, "displayName": u}
                                     for u in item.read_users])
        if "restrictions.group" in expand:
            named["group"] = results([{"type": "group", "name": g, "id": f"g-{g}"} for g in item.read_groups])
        named["_expandable"] = {kind: f"/rest/api/content/{item.id}/restriction/byOperation/read/{kind}"
                                for kind in ("user", "group") if kind not in named}
        return {"operation": "read", "restrictions": named,
                "_expandable": {"content": f"/rest/api/content/{item.id}"},
                "_links": {"base": self.base, "context": "/wiki",
                           "self": f"{self.base}/rest/api/content/{item.id}/restriction/byOperation/read"}}

    # -- CQL -------------------------------------------------------------------------------------
    def _matches(self, item: Item, cql: str) -> bool:
        spaces = re.search(r"space in \(([^)]*)\)", cql)
        if spaces and item.space not in re.findall(r'"([^"]+)"', spaces.group(1)):
            return False
        types = re.search(r"type in \(([^)]*)\)", cql)
        if types and item.type not in [t.strip() for t in types.group(1).split(",")]:
            return False
        after = re.search(r'lastmodified >= "(\d{4}/\d{2}/\d{2} \d{2}:\d{2})"', cql)
        if after:
            limit = datetime.strptime(after.group(1), "%Y/%m/%d %H:%M").replace(tzinfo=timezone.utc)
            if item.when < limit:
                return False
        return True

    def _search(self, request: Request) -> Response:
        cql = request.query["cql"]
        limit = int(request.query.get("limit", 25))
        start = int(request.query.get("cursor", "0") or 0)
        expand = set(request.query.get("expand", "").split(",")) - {""}
        found = sorted((i for i in self.items.values() if self._matches(i, cql)), key=lambda i: (i.when, i.id))
        page = found[start : start + limit]
        links: dict[str, Any] = {"base": self.base, "context": "/wiki",
                                 "self": f"{self.base}/rest/api/content/search?{urlencode({'cql': cql})}"}
        if start + limit < len(found):
            params = {"cql": cql, "limit": limit, "cursor": start + limit, "next": "true"}
            if expand:
                params["expand"] = ",".join(sorted(expand))
            links["next"] = "/rest/api/content/search?" + urlencode(params)
        return Response(200, {"results": [self._content(i, expand) for i in page], "start": start, "limit": limit,
                              "size": len(page), "cqlQuery": cql, "_links": links})

    def route(self, request: Request) -> Response:
        if not request.headers.get("authorization"):
            return Response(401, self.error_body(401))
        path = request.path
        if path == "/wiki/rest/api/content/search":
            return self._search(request)
        match = re.fullmatch(r"/wiki/rest/api/content/([^/]+)/restriction/byOperation/read", path)
        if match:
            expand = set(request.query.get("expand", "").split(","))
            start, limit = int(request.query.get("start", 0)), int(request.query.get("limit", 0)) or None
            return Response(200, self._read_restriction(self.items[match.group(1)], expand, start, limit))
        match = re.fullmatch(r"/wiki/rest/api/content/([^/]+)", path)
        if match:
            expand = set(request.query.get("expand", "").split(","))
            return Response(200, self._content(self.items[match.group(1)], expand | {"space", "ancestors"}))
        match = re.fullmatch(r"/wiki/download/attachments/(\d+)/(.+)", path)
        if match:
            from urllib.parse import unquote

            name = unquote(match.group(2))
            item = next(i for i in self.items.values() if i.type == "attachment" and i.parent == match.group(1)
                        and i.title == name)
            return Response(200, item.data)
        raise KeyError(path)
