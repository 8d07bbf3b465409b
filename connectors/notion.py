"""Notion: configured root pages and databases, walked recursively.

Notion's search leaves out pages (recently created ones, and some nested ones), so the source is
walked from its roots: a page's blocks reveal its sub-pages and inline databases, and a database's
query lists its rows. Reading every block on every sync would download the whole workspace, so
the walk stops at pages whose `last_edited_time` matches the index's copy; pages below them that
the index knows are then checked with one metadata call each and accepted when their parent is
in scope. Adding or removing a sub-page edits its parent, so new pages are still found.

Databases are documents too (title, description and columns), which is what lets the walk find
their rows again when nothing above them changed.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import structlog
from notion_client import Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from connectors.base import EVERYONE, AccessListing, Document, IncompleteListing, IndexedVersions, Skipped, parse_time
from connectors.notion_blocks import blocks_to_markdown, rich_text
from connectors.retry import Failure, RetryPolicy, call_with_retries

log = structlog.get_logger(__name__)


def classify(error: BaseException) -> Failure | None:
    """How a notion-client error reads to the shared retry helper."""
    if isinstance(error, HTTPResponseError):
        return Failure(error.status, error.headers.get("retry-after"))
    if isinstance(error, (RequestTimeoutError, httpx.TransportError)):
        return Failure(None)
    return None


def page_id(doc_id: str) -> str:
    return doc_id.split(":", 1)[1]


@dataclass
class _Walk:
    """What one walk has seen: ids in scope with their title trail, and the listing for deletions."""

    since: datetime | None
    indexed: IndexedVersions
    reached: dict[str, tuple[str, ...]] = field(default_factory=dict)
    listed: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Node:
    """A page or database waiting to be visited, with the title trail above it."""

    kind: str  # "page" or "database"
    id: str
    trail: tuple[str, ...]
    meta: dict[str, Any] | None = None


class Notion:
    """Connector over configured Notion root pages and databases (an internal integration's token)."""

    name = "notion"

    def __init__(
        self,
        token: str,
        *,
        pages: list[str] = (),  # type: ignore[assignment]
        databases: list[str] = (),  # type: ignore[assignment]
        base_url: str = "https://api.notion.com",
        page_size: int = 100,
        retry: RetryPolicy | None = None,
        acl: list[str] | None = None,
    ) -> None:
        if not pages and not databases:
            raise ValueError("Notion needs root pages or databases (KB_NOTION_PAGES, KB_NOTION_DATABASES)")
        self.roots = [Node("page", _uuid(p), ()) for p in pages] + [Node("database", _uuid(d), ()) for d in databases]
        self.page_size = page_size
        self.retry = retry or RetryPolicy()
        self.acl = list(acl) if acl else [EVERYONE]
        """Who may read every document: the API exposes no page permissions, so it is configured (KB_NOTION_ACL)."""
        # retry=False: the client's own back-off would stack with the shared one.
        self.client = Client(auth=token, base_url=base_url.rstrip("/"), retry=False, timeout_ms=60_000,
                             logger=logging.getLogger("notion_client"))
        self._listing: set[str] | None = None
        self._complete = True

    def _call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        return call_with_retries(lambda: function(*args, **kwargs), classify, what=what, policy=self.retry)

    def _paged(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            extra = {"start_cursor": cursor} if cursor else {}
            response = self._call(what, function, *args, page_size=self.page_size, **kwargs, **extra)
            yield from response.get("results", [])
            cursor = response.get("next_cursor")
            if not response.get("has_more") or not cursor:
                return

    def _children(self, block_id: str) -> Iterator[dict[str, Any]]:
        return self._paged("notion.blocks", self.client.blocks.children.list, block_id)

    # -- the Connector protocol --------------------------------------------------------------------
    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        return self.changed_documents(since, {})

    def changed_documents(self, since: datetime | None, indexed: IndexedVersions) -> Iterator[Document | Skipped]:
        self._listing = None
        self._complete = True
        walk = _Walk(since, indexed)
        pending = {page_id(doc_id): doc_id for doc_id in indexed}
        metas: dict[str, dict[str, Any]] = {}
        for root in self.roots:
            yield from self._visit(root, walk)
        while True:
            # Indexed pages under an unchanged parent were not reached from above: accept each one
            # whose parent is in scope, then walk on from it. Repeat until nothing more is reached.
            progressed = False
            for item_id, doc_id in list(pending.items()):
                if item_id in walk.reached:
                    pending.pop(item_id)
                    continue
                meta = metas.get(item_id) or self._meta(doc_id)
                if meta is None:
                    pending.pop(item_id)
                    continue
                metas[item_id] = meta
                parent = self._parent(meta.get("parent") or {})
                if parent in walk.reached:
                    kind = "database" if doc_id.startswith("notion-db:") else "page"
                    pending.pop(item_id)
                    yield from self._visit(Node(kind, item_id, walk.reached[parent], meta), walk)
                    progressed = True
            if not progressed:
                break
        # A page whose blocks could not be read hides its sub-pages: no deletions on such a walk.
        self._listing = walk.listed if self._complete else None

    def list_ids(self) -> set[str]:
        if self._listing is None:
            try:
                for _ in self.changed_documents(None, {}):
                    pass
            except Exception as error:
                raise IncompleteListing(f"could not walk Notion: {error}") from error
        if self._listing is None:
            raise IncompleteListing("some Notion pages could not be read, so their sub-pages are unknown")
        listing, self._listing = self._listing, None
        return listing

    def list_access(self) -> AccessListing:
        """Every listed page and database with the configured readers (KB_NOTION_ACL): the API exposes no
        permissions, so a changed setting is what reaches the index, on the next sync, unembedded."""
        return AccessListing(dict.fromkeys(self.list_ids(), self.acl))

    # -- the walk -------------------------------------------------------------------------------------
    def _visit(self, node: Node, walk: _Walk) -> Generator[Document | Skipped, None, bool]:
        """Visit a page or database and everything below it; True when all of it was read.

        A page is yielded after its sub-pages (post-order), and only when they were all read: if
        one failed, the page stays out of the index at this version, so the next sync reads its
        blocks again and finds the failed sub-page, instead of trusting an unchanged parent.
        """
        if node.id in walk.reached:
            return True
        prefix = "notion-db" if node.kind == "database" else "notion"
        doc_id = f"{prefix}:{node.id}"
        try:
            meta = node.meta or self._call(f"notion.{node.kind}", (self.client.databases if node.kind == "database"
                                                                  else self.client.pages).retrieve, node.id)
        except HTTPResponseError as error:
            if error.status in (403, 404) and node not in self.roots:
                return True  # gone or unshared since its parent was read: it leaves the index
            raise
        if meta.get("in_trash") or meta.get("archived"):
            return True
        title = _title(meta) or "Untitled"
        trail = (*node.trail, title)
        walk.reached[node.id] = trail
        walk.listed.add(doc_id)
        edited = parse_time(meta.get("last_edited_time"))
        complete = True
        try:
            if node.kind == "database":
                for source in meta.get("data_sources") or [{"id": node.id}]:
                    for row in self._paged("notion.query", self.client.data_sources.query, source["id"]):
                        if row.get("object") == "page":
                            complete &= yield from self._visit(Node("page", row["id"], trail, row), walk)
                if complete and walk.indexed.get(doc_id) != edited:
                    yield self._database_document(doc_id, meta, title, trail)
                return complete
            if walk.indexed.get(doc_id) == edited:
                return True  # unchanged: its sub-pages are reached through the pending check instead
            converted = blocks_to_markdown(self._children(node.id), self._children)
        except Exception as error:  # one unreadable page never stops the workspace
            self._complete = False
            log.warning("notion.skipped", id=node.id, error=str(error))
            yield Skipped(id=doc_id, path="/".join(trail), reason=f"{type(error).__name__}: {error}")
            return False
        for child_id, _ in converted.child_pages:
            complete &= yield from self._visit(Node("page", child_id, trail), walk)
        for child_id, _ in converted.child_databases:
            complete &= yield from self._visit(Node("database", child_id, trail), walk)
        if not complete:
            log.info("notion.deferred", id=node.id, reason="a sub-page could not be read")
            return False
        if not walk.indexed and walk.since is not None and edited is not None and edited < walk.since:
            return True  # walked for its sub-pages only
        properties = _properties_markdown(meta)
        text = "\n\n".join(part for part in (properties, converted.markdown) if part)
        if not text.strip():  # a contents page: its sub-pages are what it says
            text = "\n".join(f"- {child_title}" for _, child_title in converted.child_pages if child_title)
        if not text.strip():
            log.info("notion.empty_page", id=node.id)
            return True
        yield Document(
            id=doc_id, source="notion", title=title,
            url=meta.get("url") or f"https://www.notion.so/{node.id.replace('-', '')}",
            path="/".join(trail), text=text, updated_at=edited, acl=list(self.acl),
            metadata={"author": (meta.get("created_by") or {}).get("id", ""),
                      "skipped_block_types": sorted(converted.skipped_types),
                      "section_anchors": converted.anchors,
                      "acl_note": "the Notion API exposes no page permissions"},
        )
        return True

    def _database_document(self, doc_id: str, meta: dict[str, Any], title: str, trail: tuple[str, ...]) -> Document:
        description = rich_text(meta.get("description"))
        sources = ", ".join(source.get("name", "") for source in meta.get("data_sources") or [])
        text = "\n\n".join(part for part in (f"# {title}", description, f"Data sources: {sources}" if sources else "")
                           if part)
        return Document(id=doc_id, source="notion", title=title,
                        url=meta.get("url") or f"https://www.notion.so/{page_id(doc_id).replace('-', '')}",
                        path="/".join(trail), text=text, updated_at=parse_time(meta.get("last_edited_time")),
                        acl=list(self.acl), metadata={"kind": "database"})

    def _meta(self, doc_id: str) -> dict[str, Any] | None:
        """Current metadata of an indexed page or database; None when it is gone or trashed."""
        endpoint = self.client.databases if doc_id.startswith("notion-db:") else self.client.pages
        try:
            meta = self._call("notion.meta", endpoint.retrieve, page_id(doc_id))
        except HTTPResponseError as error:
            if error.status in (403, 404):
                return None
            raise
        return None if meta.get("in_trash") or meta.get("archived") else meta

    def _parent(self, parent: dict[str, Any], depth: int = 0) -> str | None:
        """The page or database a parent reference lands on (blocks are climbed through)."""
        kind = parent.get("type")
        if kind == "page_id":
            return parent.get("page_id")
        if kind in ("database_id", "data_source_id"):
            return parent.get("database_id")
        if kind == "block_id" and depth < 20:
            block = self._call("notion.block", self.client.blocks.retrieve, parent["block_id"])
            return self._parent(block.get("parent") or {}, depth + 1)
        return None


def _uuid(value: str) -> str:
    """A page id as the API returns it (dashed), from a bare id or a Notion URL."""
    raw = value.strip().rstrip("/").split("/")[-1].split("?")[0].split("-")[-1].replace("-", "")
    if len(raw) != 32:
        return value.strip()
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def _title(meta: dict[str, Any]) -> str:
    if meta.get("object") == "database" or isinstance(meta.get("title"), list):
        return rich_text(meta.get("title")).strip()
    for prop in (meta.get("properties") or {}).values():
        if isinstance(prop, dict) and prop.get("type") == "title":
            return rich_text(prop.get("title")).strip()
    return ""


def _properties_markdown(meta: dict[str, Any]) -> str:
    """A database row's properties (other than its title) as `Name: value` lines."""
    if (meta.get("parent") or {}).get("type") not in ("database_id", "data_source_id"):
        return ""
    lines = []
    for name, prop in (meta.get("properties") or {}).items():
        kind = prop.get("type") if isinstance(prop, dict) else None
        value = prop.get(kind) if kind else None
        if kind == "title" or value in (None, "", []):
            continue
        if kind == "rich_text":
            value = rich_text(value)
        elif kind in ("select", "status"):
            value = value.get("name", "")
        elif kind == "multi_select":
            value = ", ".join(option.get("name", "") for option in value)
        elif kind == "date":
            value = value.get("start", "")
        elif kind == "people":
            value = ", ".join(person.get("name") or person.get("id", "") for person in value)
        elif not isinstance(value, (str, int, float, bool)):
            continue
        lines.append(f"- {name}: {value}")
    return "\n".join(lines)
