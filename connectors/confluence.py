"""Confluence Cloud and Data Center: pages, blog posts and their PDF/DOCX attachments.

Changes are found with CQL (`lastmodified >=`), which works the same on Cloud and Data Center and
pages with `_links.next`. CQL compares dates in the requesting user's time zone, so the query
reaches a day further back than the cursor; the search results carry each item's version date,
and items the index already holds at that date are not downloaded, which keeps the wide window
cheap. Bodies are fetched one page at a time so memory stays flat however large a space is.

Restricting a page changes neither its version nor its date, so CQL never reports it. The complete
listing each sync makes for deletions therefore also expands read restrictions (`list_access`):
one search gives every item's own restrictions and ancestors, and every page's readers are worked
out from that listing without a request per page.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlparse

import requests
import structlog
from atlassian import Confluence as ConfluenceClient

from connectors.base import (
    AccessListing,
    Document,
    IncompleteListing,
    IndexedVersions,
    Skipped,
    normalise_principal,
    parse_time,
)
from connectors.confluence_storage import heading_anchors, storage_to_markdown
from connectors.markdown import MAX_PAGES, docx_to_markdown, pdf_to_markdown
from connectors.retry import Failure, RetryPolicy, call_with_retries

log = structlog.get_logger(__name__)

CQL_TIMEZONE_SLACK = timedelta(days=1)
"""CQL reads dates in the caller's profile time zone (up to ±14 h from UTC): ask a day earlier."""

ATTACHMENT_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
CONTENT_TYPES = ("page", "blogpost", "attachment")
LIST_EXPAND = "version,space,ancestors,container"
PAGE_EXPAND = ("body.storage,version,space,ancestors,history,"
               "restrictions.read.restrictions.user,restrictions.read.restrictions.group")
CONTAINER_EXPAND = "space,ancestors,restrictions.read.restrictions.user,restrictions.read.restrictions.group"
"""An attachment's page: just what its readers are decided by."""
RESTRICTION_EXPAND = "restrictions.user,restrictions.group"
"""What `content/{id}/restriction/byOperation/read` must expand to list the users and groups at all."""
ACCESS_EXPAND = "space,ancestors,container,restrictions.read.restrictions.user,restrictions.read.restrictions.group"
"""The complete listing with each item's own readers and its ancestors: all `list_access` needs."""
RESTRICTION_PAGE_SIZE = 200
"""Users and groups asked for per restriction request (the server may cap it lower; its answer says)."""


class AncestorRestrictionsUnavailable(RuntimeError):
    """An ancestor's read restrictions could not be read, so the page's real audience is unknown."""


def classify(error: BaseException) -> Failure | None:
    """How an atlassian-python-api (requests) error reads to the shared retry helper."""
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return Failure(error.response.status_code, error.response.headers.get("Retry-After"))
    if isinstance(error, (requests.ConnectionError, requests.Timeout)):
        return Failure(None)
    return None


def read_principals(read: dict[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    """The principals named by one read restriction (a `ContentRestriction`), and the raw names.

    A page's expanded `restrictions.read` and the `restriction/byOperation/read` endpoint answer
    in the same shape, so the page itself and its ancestors are read by this one function.
    """
    named = (read or {}).get("restrictions") or {}
    users = [u.get("email") or u.get("accountId") or u.get("username") or u.get("userKey") or ""
             for u in (named.get("user") or {}).get("results", [])]
    groups = [g.get("name") or g.get("id") or "" for g in (named.get("group") or {}).get("results", [])]
    raw = {"users": [u for u in users if u], "groups": [g for g in groups if g]}
    return [f"user:{u}" for u in raw["users"]] + [f"group:{g}" for g in raw["groups"]], raw


def next_restriction_start(read: dict[str, Any]) -> int | None:
    """How far to move `start` for the next page of a read restriction's users and groups; None on the last.

    Both lists page together (`start` and `limit` apply to each). A list is cut short when it links
    a next page, when `totalSize` says more exist, or when it holds as many entries as its `limit`;
    the page then covered as many entries as the list returned (the server may cap `limit`).
    """
    named = (read or {}).get("restrictions") or {}
    step = None
    for kind in ("user", "group"):
        listing = named.get(kind) or {}
        results = listing.get("results") or []
        limit, total = listing.get("limit"), listing.get("totalSize")
        cut = (bool((listing.get("_links") or {}).get("next"))
               or (isinstance(total, int) and (listing.get("start") or 0) + len(results) < total)
               or (isinstance(limit, int) and 0 < limit <= len(results)))
        if cut:
            step = max(step or 0, len(results))
    return step


def lists_named(read: dict[str, Any] | None) -> bool:
    """Whether a read restriction carries its user and group lists (they were expanded), empty or not."""
    named = (read or {}).get("restrictions") or {}
    return isinstance(named.get("user"), dict) and isinstance(named.get("group"), dict)


@dataclass(frozen=True)
class PageReaders:
    """What decides who may read a page: its space, its own read principals, its ancestors (root first)."""

    space: str
    own: tuple[str, ...]
    ancestors: tuple[str, ...]


def inherited_acl(levels: Sequence[Collection[str]]) -> list[str] | None:
    """Who may read a page given the read restrictions at each level: the page and each ancestor.

    Confluence lets someone read a page only if they pass its own read restrictions AND those of
    every ancestor; an unrestricted level (no principals) narrows nothing. A document's ACL is a
    list of alternatives (holding any one principal suffices), so it can express one restricted
    level exactly, but not "alice AND a member of hr". Several restricted levels therefore give
    the principals named at every one of them: everyone they admit really may read the page, and
    anyone admitted only through different principals at different levels is left out (fail
    closed). Disjoint levels give [], an ACL no asker holds.

    Returns None when no level is restricted: the page is as readable as its space.
    """
    restricted = [{normalise_principal(p) for p in level} - {""} for level in levels]
    restricted = [level for level in restricted if level]
    if not restricted:
        return None
    return sorted(set.intersection(*restricted))


class Confluence:
    """Connector over the configured spaces of one Confluence site."""

    def __init__(
        self,
        url: str,
        spaces: list[str],
        *,
        email: str | None = None,
        api_token: str | None = None,
        personal_token: str | None = None,
        cloud: bool | None = None,
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
        page_size: int = 50,
        max_bytes: int = 20_000_000,
        max_pages: int = MAX_PAGES,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not spaces:
            raise ValueError("Confluence needs at least one space key (KB_CONFLUENCE_SPACES)")
        self.url = url.rstrip("/")
        host = urlparse(self.url).hostname or ""
        self.cloud = cloud if cloud is not None else host.endswith(".atlassian.net")
        self.spaces = spaces
        self.include, self.exclude = include, exclude
        self.page_size = page_size
        self.max_bytes = max_bytes
        self.max_pages = max_pages
        self.retry = retry or RetryPolicy()
        self.name = f"confluence:{host}{urlparse(self.url).path}".rstrip("/")
        self._ancestor_reads: dict[str, list[str] | Exception] = {}
        """Content id -> its own read principals (or why they could not be read), for one sync: ancestors
        as fetched, and every page `list_access` listed."""
        self._containers: dict[str, PageReaders] = {}
        """Pages whose readers are known this sync: attachments' pages, and every page `list_access` listed."""
        # One retry policy for every source: the library's own Retry-After handling is turned off.
        common = {"retry_with_header": False, "backoff_and_retry": False, "timeout": 60}
        if personal_token:
            self.client = ConfluenceClient(self.url, token=personal_token, cloud=self.cloud, **common)
        elif email and api_token:
            self.client = ConfluenceClient(self.url, username=email, password=api_token, cloud=self.cloud, **common)
        else:
            raise ValueError("Confluence needs an email and API token (Cloud) or a personal access token (Data Center)")

    # -- HTTP ---------------------------------------------------------------------------------------
    def _get(self, path: str, *, what: str, **kwargs: Any) -> Any:
        return call_with_retries(lambda: self.client.get(path, **kwargs), classify, what=what, policy=self.retry)

    def _search(self, cql: str, expand: str) -> Iterator[dict[str, Any]]:
        """Every content item matching `cql`, one result page in memory at a time."""
        response = self._get("rest/api/content/search", what="confluence.search",
                             params={"cql": cql, "limit": self.page_size, "expand": expand})
        while True:
            if not isinstance(response, dict) or not isinstance(response.get("results"), list):
                raise ValueError(f"unexpected search response for {cql!r}")
            yield from response["results"]
            links = response.get("_links") or {}
            next_link = links.get("next")
            if not next_link:
                return
            base = links.get("base") or self.url
            absolute = next_link if "://" in next_link else base.rstrip("/") + "/" + next_link.lstrip("/")
            response = self._get(absolute, what="confluence.search", absolute=True)

    def _cql(self, since: datetime | None) -> str:
        spaces = ", ".join(f'"{key}"' for key in self.spaces)
        cql = f"space in ({spaces}) and type in ({', '.join(CONTENT_TYPES)})"
        if since is not None:
            after = (since - CQL_TIMEZONE_SLACK).astimezone(timezone.utc)
            cql += f' and lastmodified >= "{after:%Y/%m/%d %H:%M}"'
        return cql + " order by lastmodified asc"

    # -- the Connector protocol ---------------------------------------------------------------------
    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        return self.changed_documents(since, {})

    def changed_documents(self, since: datetime | None, indexed: IndexedVersions) -> Iterator[Document | Skipped]:
        # Cached for one sync only: a restriction added to a parent since must be seen next time.
        self._ancestor_reads = {}
        self._containers = {}
        for item in self._search(self._cql(since), LIST_EXPAND):
            try:
                if not self._wanted(item):
                    continue
                doc_id = self._id(item)
                when = parse_time((item.get("version") or {}).get("when"))
                if when is not None and indexed.get(doc_id) == when:
                    continue
                yield self._attachment(item) if item["type"] == "attachment" else self._page(item["id"])
            except Exception as error:  # one bad page never stops the space
                log.warning("confluence.skipped", id=item.get("id"), error=str(error))
                yield Skipped(id=f"confluence:{item.get('id')}", path=self._path(item),
                              reason=f"{type(error).__name__}: {error}")

    def list_ids(self) -> set[str]:
        try:
            return {self._id(item) for item in self._search(self._cql(None), "ancestors,space,container")
                    if self._wanted(item)}
        except Exception as error:
            raise IncompleteListing(f"could not list Confluence spaces {self.spaces}: {error}") from error

    def list_access(self) -> AccessListing:
        """Every wanted id with who may read it now, from one complete search with restrictions expanded.

        Ancestors and attachments' pages are found in the listing itself, so requests beyond the
        search are made only for restriction lists longer than one page and for pages the listing
        lacks. An item whose readers cannot be read is given to nobody, with the reason.
        """
        self._ancestor_reads, self._containers = {}, {}
        wanted: list[tuple[str, str | None, str]] = []  # doc id, the page that decides its readers, space
        try:
            for item in self._search(self._cql(None), ACCESS_EXPAND):
                item_id = str(item["id"])
                space = (item.get("space") or {}).get("key", "")
                if item.get("type") != "attachment":
                    try:
                        readers = self._readers(item)
                    except Exception as error:  # noqa: BLE001 - the page is looked up again, then given to nobody
                        log.warning("confluence.restrictions_unreadable", id=item_id, error=str(error))
                    else:
                        self._containers[item_id] = readers
                        self._ancestor_reads[item_id] = list(readers.own)
                if self._wanted(item):
                    page_id = item_id if item.get("type") != "attachment" else (item.get("container") or {}).get("id")
                    wanted.append((self._id(item), str(page_id) if page_id else None, space))
        except Exception as error:
            raise IncompleteListing(f"could not list the readers of Confluence spaces {self.spaces}: {error}") from error
        listing = AccessListing({})
        for doc_id, page_id, space in wanted:
            try:
                listing.acls[doc_id] = self._page_acl(page_id) if page_id else [f"space:{space}"]
            except Exception as error:
                listing.acls[doc_id] = []
                listing.errors.append(f"{doc_id}: its readers could not be read, so nobody is given it until they "
                                      f"can: {type(error).__name__}: {error}")
        return listing

    # -- items ---------------------------------------------------------------------------------------
    def _id(self, item: dict[str, Any]) -> str:
        return f"confluence:{item['id']}"

    def _wanted(self, item: dict[str, Any]) -> bool:
        if item.get("type") == "attachment" and self._attachment_kind(item) is None:
            return False
        path = self._path(item)
        if self.include and not any(fnmatch.fnmatch(path, pattern) for pattern in self.include):
            return False
        return not any(fnmatch.fnmatch(path, pattern) for pattern in self.exclude)

    @staticmethod
    def _attachment_kind(item: dict[str, Any]) -> str | None:
        media = ((item.get("extensions") or {}).get("mediaType") or (item.get("metadata") or {}).get("mediaType") or "")
        kind = ATTACHMENT_TYPES.get(media)
        if kind is None:
            title = (item.get("title") or "").lower()
            kind = next((k for k in ATTACHMENT_TYPES.values() if title.endswith("." + k)), None)
        return kind

    @staticmethod
    def _path(item: dict[str, Any]) -> str:
        """Space / ancestors / title: the trail a reader sees in Confluence's sidebar."""
        space = item.get("space") or {}
        trail = [space.get("name") or space.get("key") or ""]
        trail += [a.get("title", "") for a in item.get("ancestors") or []]
        if item.get("type") == "attachment" and item.get("container"):
            trail.append(item["container"].get("title", ""))
        trail.append(item.get("title") or "")
        return "/".join(part for part in trail if part)

    def _link(self, links: dict[str, Any], key: str) -> str:
        target = links.get(key) or ""
        return target if "://" in target else f"{(links.get('base') or self.url).rstrip('/')}{target}"

    def _page(self, content_id: str) -> Document:
        page = self._get(f"rest/api/content/{content_id}", what="confluence.page", params={"expand": PAGE_EXPAND})
        body = (((page.get("body") or {}).get("storage") or {}).get("value"))
        if body is None:
            raise ValueError("the page has no storage-format body")
        title = page["title"]
        text = storage_to_markdown(body)
        if not text.strip():
            raise ValueError("the page has no text")
        version = page.get("version") or {}
        history = page.get("history") or {}
        author = ((history.get("createdBy") or version.get("by") or {}).get("displayName")) or ""
        links = page.get("_links") or {}
        acl, restrictions = self._acl(page)
        return Document(
            id=f"confluence:{page['id']}",
            source="confluence",
            title=title,
            url=self._link(links, "webui"),
            path=self._path(page),
            text=text,
            updated_at=parse_time(version.get("when")),
            acl=acl,
            metadata={
                "author": author,
                "space": (page.get("space") or {}).get("key", ""),
                "version": version.get("number"),
                "type": page.get("type", "page"),
                "restrictions": restrictions,
                "section_anchors": heading_anchors(title, text, cloud=self.cloud),
            },
        )

    def _attachment(self, item: dict[str, Any]) -> Document:
        kind = self._attachment_kind(item)
        links = item.get("_links") or {}
        if not links.get("download"):
            raise ValueError("the attachment has no download link")
        size = (item.get("extensions") or {}).get("fileSize")
        if isinstance(size, int) and size > self.max_bytes:
            raise ValueError(f"{size:,} bytes is over the {self.max_bytes:,}-byte limit")
        data = self._get(self._link(links, "download"), what="confluence.download", absolute=True,
                         not_json_response=True)
        if not data:
            raise ValueError("the attachment is empty")
        title, text = pdf_to_markdown(data, self.max_pages) if kind == "pdf" else docx_to_markdown(data)
        if not text.strip():
            raise ValueError("no text found in the attachment")
        version = item.get("version") or {}
        container = item.get("container") or {}
        return Document(
            id=self._id(item),
            source="confluence",
            title=title or item.get("title", ""),
            url=self._link(links, "webui") if links.get("webui") else self._link(links, "download"),
            path=self._path(item),
            text=text,
            updated_at=parse_time(version.get("when")),
            acl=self._attachment_acl(item),
            metadata={"author": (version.get("by") or {}).get("displayName", ""), "format": kind,
                      "page_id": container.get("id"), "space": (item.get("space") or {}).get("key", "")},
        )

    def _ancestor_principals(self, ancestor_id: str) -> list[str]:
        """An ancestor's own read principals, fetched once per sync however many pages sit under it.

        A failure is cached too, so a broken ancestor costs one round of retries, not one per child.
        """
        if ancestor_id not in self._ancestor_reads:
            try:
                self._ancestor_reads[ancestor_id] = self._read_restriction(ancestor_id)[0]
            except Exception as error:  # noqa: BLE001 - re-raised below as the page's skip reason
                self._ancestor_reads[ancestor_id] = error
        found = self._ancestor_reads[ancestor_id]
        if isinstance(found, Exception):
            raise AncestorRestrictionsUnavailable(
                f"could not read the restrictions of ancestor page {ancestor_id}: {type(found).__name__}: {found}"
            ) from found
        return found

    def _read_restriction(self, content_id: str, read: dict[str, Any] | None = None
                          ) -> tuple[list[str], dict[str, list[str]]]:
        """Every principal of a content item's read restriction, however many pages the lists take.

        `read` is the restriction an expanded response already carried; the restriction endpoint is
        asked only for what it lacks. A list cut at its first page would give the page fewer readers
        than Confluence does, and large group lists are common enough that they must be followed.
        """
        named: dict[str, dict[str, None]] = {"users": {}, "groups": {}}  # ordered sets
        start = 0
        if not lists_named(read):
            read = None  # not expanded: an absent list is unknown, not empty
        while True:
            if read is None:
                read = self._get(f"rest/api/content/{content_id}/restriction/byOperation/read",
                                 what="confluence.restrictions",
                                 params={"expand": RESTRICTION_EXPAND, "start": start, "limit": RESTRICTION_PAGE_SIZE})
                if not isinstance(read, dict) or not lists_named(read):
                    raise ValueError("unexpected restriction response")
            before = len(named["users"]) + len(named["groups"])
            for kind, names in read_principals(read)[1].items():
                named[kind].update(dict.fromkeys(names))
            step = next_restriction_start(read)
            if step is None:
                break
            if len(named["users"]) + len(named["groups"]) == before:
                raise ValueError(f"the read restrictions of {content_id} claim more entries than they return")
            start += step
            read = None
        raw = {kind: list(names) for kind, names in named.items()}
        return [f"user:{u}" for u in raw["users"]] + [f"group:{g}" for g in raw["groups"]], raw

    def _readers(self, page: dict[str, Any]) -> PageReaders:
        """A page's readers as an expanded response (page, container or listing item) describes them."""
        own, _ = self._read_restriction(str(page["id"]), (page.get("restrictions") or {}).get("read"))
        return PageReaders(space=(page.get("space") or {}).get("key", ""), own=tuple(own),
                           ancestors=tuple(str(a["id"]) for a in page.get("ancestors") or [] if a.get("id")))

    def _attachment_acl(self, item: dict[str, Any]) -> list[str]:
        """An attachment is readable by whoever may read its page: the page's own restrictions and
        every ancestor's."""
        page_id = str((item.get("container") or {}).get("id") or "")
        if not page_id:  # a space-level attachment: only the space limits it
            return [f"space:{(item.get('space') or {}).get('key', '')}"]
        return self._page_acl(page_id)

    def _page_acl(self, page_id: str) -> list[str]:
        """Who may read a page (or its attachments): from this sync's listing, else the page is fetched
        once per sync, however many attachments it has."""
        if page_id not in self._containers:
            self._containers[page_id] = self._readers(self._get(f"rest/api/content/{page_id}", what="confluence.page",
                                                                params={"expand": CONTAINER_EXPAND}))
        return self._effective_acl(page_id, self._containers[page_id])[0]

    def _acl(self, page: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
        """The page's effective readers, with its restrictions as Confluence names them (metadata)."""
        readers = self._readers(page)
        acl, restricted_ancestors = self._effective_acl(str(page.get("id")), readers)
        raw = {"users": [p.removeprefix("user:") for p in readers.own if p.startswith("user:")],
               "groups": [p.removeprefix("group:") for p in readers.own if p.startswith("group:")]}
        return acl, {**raw, "restricted_ancestors": restricted_ancestors}

    def _effective_acl(self, page_id: str, readers: PageReaders) -> tuple[list[str], list[str]]:
        """Who may read the page (see `inherited_acl`), else everyone who can see the space; and which
        ancestors are restricted.

        Raises AncestorRestrictionsUnavailable rather than guess: the page is then skipped (or, in
        `list_access`, given to nobody), never indexed with a wider ACL than Confluence gives it.
        """
        levels = {ancestor: self._ancestor_principals(ancestor) for ancestor in readers.ancestors}
        acl = inherited_acl([readers.own, *levels.values()])
        restricted_ancestors = [ancestor for ancestor, principals in levels.items() if principals]
        if acl is None:
            acl = [f"space:{readers.space}"]
        elif not acl:
            log.warning("confluence.no_common_reader", page_id=page_id, restricted_ancestors=restricted_ancestors,
                        hint="no user or group is named at every restricted level, so nobody is given the page; "
                             "name its readers the same way on the page and its restricted ancestors")
        return acl, restricted_ancestors
