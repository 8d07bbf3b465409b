"""The contract between sources and the index.

A connector knows one API and nothing of the index: it streams `Document`s (or `Skipped` markers for
items it could not read) and can list the ids it holds. The sync engine owns every decision about
what to embed or delete, so a new source never has to get incremental indexing right on its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

EVERYONE = "*"
"""The access-list entry meaning every employee may read the document."""


def normalise_principal(principal: str) -> str:
    """One spelling per principal: lower case, no stray spaces, a bare email read as `user:EMAIL`.

    Sources spell the same person or group differently (`IT@Example.com`, Confluence's `space:IT`),
    and an access list only works when the index and the asker compare equal.
    """
    value = principal.strip().lower()
    if ":" in value:
        kind, _, name = value.partition(":")
        return f"{kind.strip()}:{name.strip()}"
    if "@" in value:
        return f"user:{value}"
    return value


def normalise_acl(acl: Iterable[str]) -> list[str]:
    """The one stored form of an access list: each principal normalised, once, sorted, blanks dropped.

    Comparing two lists in this form is how the sync tells that a document's readers changed.
    """
    return sorted({normalise_principal(p) for p in acl} - {""})


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


CODE_FENCE = re.compile(r"^\s*(```|~~~)")
"""A line opening or closing a fenced code block in a `Document`'s markdown: what is between is kept as written,
by the connectors that tidy markdown and by the index that splits it into sections and sentences."""


class Document(BaseModel):
    """One page, file or record from a source, as markdown."""

    id: str = Field(description="Stable across syncs and unique across sources, e.g. 'local:hr/leave.md'.")
    source: str = Field(description="Connector name: local, confluence, gdrive, notion.")
    title: str
    url: str = Field(description="Link a person can open; citations append '#anchor' to it.")
    path: str = Field(description="Where it lives in its source: a relative file path or a space/folder trail.")
    text: str = Field(description="The content as markdown, headings kept.")
    updated_at: datetime | None = None
    acl: list[str] = Field(default_factory=lambda: [EVERYONE], description="Principals allowed to read it.")
    metadata: dict[str, Any] = Field(default_factory=dict)

    def content_hash(self) -> str:
        """Changes whenever what is embedded or cited changes (title, URL, path, text), and only then.

        The access list is left out on purpose: readers change without the text changing, and the
        sync updates them in place, so a permission change never costs an embedding.
        """
        return _digest(self.title, self.url, self.path, self.text)

    def hash_with_acl(self, acl: Iterable[str]) -> str:
        """The hash indexes stored before access lists were updated in place: content and `acl` together.

        Only read, never written: it lets the sync recognise an older index's document as unchanged
        (given the access list stored with it) instead of embedding the whole index again.
        """
        return _digest(self.title, self.url, self.path, self.text,
                       "\x1f".join(sorted({normalise_principal(p) for p in acl})))


class Skipped(BaseModel):
    """An item the source lists but could not be read this time.

    The sync keeps whatever it indexed of it before: a file that turned corrupt, or a page the API
    failed to return, must not silently vanish from answers.
    """

    id: str
    path: str
    reason: str


class IncompleteListing(RuntimeError):
    """The source could not list all of its ids, so nothing may be deleted on the strength of it."""


@runtime_checkable
class Connector(Protocol):
    """What the sync engine needs of a source."""

    name: str

    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        """Documents changed since `since` (all when None), streamed one at a time."""
        ...

    def list_ids(self) -> set[str]:
        """Every id the source holds now; raises IncompleteListing rather than return a partial set."""
        ...


@dataclass
class AccessListing:
    """A complete listing of a source together with who may read each item now.

    `acls` has every id the source holds (what `list_ids()` would return) mapped to its current
    access list. An item whose readers could not be read maps to [] (nobody) and says why in
    `errors`: a permission nobody could read may just have been tightened, so it is never guessed.
    """

    acls: dict[str, list[str]]
    errors: list[str] = field(default_factory=list)


@runtime_checkable
class AccessListingConnector(Connector, Protocol):
    """A source that can tell the current readers of everything it holds, cheaply.

    Sources list changes by last-modified time, and a permission change (a page restricted, a file
    unshared) does not modify anything, so the content listing never sees it. A source with this
    capability reads permissions during the complete listing it makes for deletions anyway (the
    API returns them with the metadata), and the sync updates changed access lists in place,
    without re-embedding.
    """

    def list_access(self) -> AccessListing:
        """Like `list_ids()`, with each id's current access list; raises IncompleteListing the same way."""
        ...


IndexedVersions = Mapping[str, datetime]
"""Document id -> the `updated_at` the index holds for it."""


@runtime_checkable
class VersionedConnector(Connector, Protocol):
    """A source whose listings carry each item's last-modified time.

    Such a source can tell from a cheap metadata listing which items the index already holds at
    their current version, and skip downloading them. That is what lets a sync that crashed half-way
    resume without refetching what it already wrote, and lets a source ask for a generous overlap
    before its cursor without paying for it in downloads.
    """

    def changed_documents(
        self, since: datetime | None, indexed: IndexedVersions
    ) -> Iterator[Document | Skipped]:
        """Like `documents(since)`, minus items whose `updated_at` equals the one in `indexed`."""
        ...


def parse_time(value: str | None) -> datetime | None:
    """An API timestamp (ISO 8601, 'Z' or an offset) as an aware datetime; naive ones are UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
