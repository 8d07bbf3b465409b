"""Permission changes that edit nothing (a page restricted, a file unshared, a setting changed) reach
the index at the next sync, on the stored chunks in place: nothing is downloaded or embedded again,
and the answer filter stops giving the document to whoever lost access."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from bot.access import Asker
from bot.config import Settings
from bot.index.embedding import Embedder
from bot.index.store import Store
from bot.index.sync import SyncEngine
from bot.runtime import Runtime
from connectors.base import Document
from connectors.confluence import Confluence
from connectors.gdrive import GoogleDrive
from connectors.notion import Notion
from connectors.retry import RetryPolicy
from tests.conftest import CountingEmbedder
from tests.fakes.confluence import FakeConfluence
from tests.fakes.gdrive import DOC, FOLDER, FakeDrive
from tests.fakes.notion import FakeNotion
from tests.fakes.old_index import rewrite_as_before
from tests.fakes.sources import NotionSource

FAST = RetryPolicy(attempts=2, base_delay=0.0)
ALICE, BOB, CAROL = "alice@corp.com", "bob@corp.com", "carol@corp.com"
KESTREL = "salary band codename Kestrel"


@pytest.fixture()
def secured(tmp_path: Path, embedder: Embedder) -> Runtime:
    """An index whose askers get groups from an access file: Alice is in hr-team and managers, Bob in
    neither; both may read the HR space."""
    access = tmp_path / "access.yaml"
    access.write_text(f"group:hr-team: [{ALICE}]\ngroup:managers: [{ALICE}]\nspace:HR: [{ALICE}, {BOB}]\n",
                      encoding="utf-8")
    runtime = Runtime(Settings(data_dir=str(tmp_path / "index"), policy_enabled=False, access_file=str(access)))
    runtime.embedder = embedder
    return runtime


@pytest.fixture()
def sync(secured: Runtime, counting: CountingEmbedder) -> SyncEngine:
    return SyncEngine(secured.store, counting, chunk_tokens=secured.settings.chunk_tokens)


@pytest.fixture()
def hr(confluence_api: FakeConfluence) -> FakeConfluence:
    confluence_api.add_space("HR", "Human Resources")
    return confluence_api


def site(api: FakeConfluence) -> Confluence:
    return Confluence(api.base, ["HR"], email="bot@example.com", api_token="t", cloud=True, retry=FAST)


def found(runtime: Runtime, email: str, query: str = KESTREL) -> set[str]:
    """Document ids a one-to-one chat with `email` may draw on for `query`: the answer path's filter."""
    where = runtime.access.for_asker(Asker(surface="slack", email=email, channel="D1", private=True)).where()
    return {result.doc_id for result in runtime.retriever.search(query, k=10, where=where)}


def stored_acls(runtime: Runtime) -> dict[str, list[str]]:
    """Each document's access list as its chunks carry it (asserting they all carry the same one)."""
    acls: dict[str, list[str]] = {}
    for row in runtime.store.chunks.search().select(["doc_id", "acl"]).limit(None).to_list():
        assert acls.setdefault(row["doc_id"], row["acl"]) == row["acl"]
    return acls


def payroll_tree(hr: FakeConfluence) -> tuple[str, str]:
    """An unrestricted Payroll page with the salary bands below it, and an open page beside them."""
    parent = hr.add_page("HR", "Payroll", "<p>Payroll runs on the last working day of the month.</p>")
    child = hr.add_page("HR", "Salary bands", "<p>The salary band for level five engineers is codenamed Kestrel "
                                              "and tops out at ninety thousand euros.</p>", parent=parent)
    hr.add_page("HR", "Holidays", "<p>The office closes on public holidays and the salary is paid as usual.</p>")
    return parent, child


# -- Confluence ------------------------------------------------------------------------------------
def test_restricting_a_parent_page_narrows_its_children_at_the_next_sync_without_embedding(
        secured: Runtime, sync: SyncEngine, counting: CountingEmbedder, hr: FakeConfluence) -> None:
    parent, child = payroll_tree(hr)
    assert sync.sync(site(hr)).errors == []
    assert f"confluence:{child}" in found(secured, BOB)
    hr.restrict(parent, groups=["hr-team"])  # the page's version and date stay as they were
    hr.clear_log()
    embedded = counting.documents_embedded

    summary = sync.sync(site(hr))

    assert summary.errors == []
    assert (summary.added, summary.changed, summary.deleted, summary.unchanged) == (0, 0, 0, 3)
    assert summary.permissions_updated == 2
    assert summary.chunks_embedded == 0 and counting.documents_embedded == embedded
    acls = stored_acls(secured)
    assert acls[f"confluence:{child}"] == acls[f"confluence:{parent}"] == ["group:hr-team"]
    assert not {f"confluence:{child}", f"confluence:{parent}"} & found(secured, BOB)
    assert f"confluence:{child}" in found(secured, ALICE)
    assert found(secured, BOB), "the open page is still Bob's"
    assert set(hr.paths()) == {"GET /wiki/rest/api/content/search"}, "listings only: no page or restriction reads"


def test_lifting_a_restriction_gives_the_page_back_to_its_space(
        secured: Runtime, sync: SyncEngine, hr: FakeConfluence) -> None:
    parent, child = payroll_tree(hr)
    hr.restrict(parent, groups=["hr-team"])
    sync.sync(site(hr))
    assert f"confluence:{child}" not in found(secured, BOB)
    hr.restrict(parent)

    summary = sync.sync(site(hr))

    assert (summary.permissions_updated, summary.chunks_embedded) == (2, 0)
    assert stored_acls(secured)[f"confluence:{child}"] == ["space:hr"]
    assert f"confluence:{child}" in found(secured, BOB)


def test_a_failing_permission_listing_keeps_the_stored_access_lists_and_says_so(
        secured: Runtime, sync: SyncEngine, hr: FakeConfluence) -> None:
    parent, child = payroll_tree(hr)
    hr.restrict(parent, groups=["hr-team", "managers"])
    sync.sync(site(hr))
    hr.restrict(child, groups=["managers"])
    hr.fail(r"/content/search$", 500, times=100, query="restrictions")  # only the listing that expands them

    failed = sync.sync(site(hr))

    assert any("500" in error for error in failed.errors)
    assert (failed.permissions_updated, failed.deleted, failed.chunks_embedded) == (0, 0, 0)
    assert secured.store.last_runs()[site(hr).name]["ok"] is False
    assert stored_acls(secured)[f"confluence:{child}"] == ["group:hr-team", "group:managers"]
    hr.heal()

    healed = sync.sync(site(hr))

    assert healed.errors == [] and healed.permissions_updated == 1
    assert stored_acls(secured)[f"confluence:{child}"] == ["group:managers"]


def test_readers_that_cannot_be_read_give_the_pages_to_nobody_until_they_can(
        secured: Runtime, sync: SyncEngine, hr: FakeConfluence) -> None:
    hr.restriction_limit = 2  # the parent's three groups take two pages
    parent, child = payroll_tree(hr)
    hr.restrict(parent, groups=["hr-team", "managers", "payroll-admins"])
    assert sync.sync(site(hr)).errors == []
    assert f"confluence:{child}" in found(secured, ALICE)
    hr.fail(rf"/content/{parent}/restriction/", 503, times=1000)

    summary = sync.sync(site(hr))

    assert summary.chunks_embedded == 0 and summary.permissions_updated == 2
    assert {error.split(":", 2)[1] for error in summary.errors} == {parent, child}
    acls = stored_acls(secured)
    assert acls[f"confluence:{parent}"] == acls[f"confluence:{child}"] == []
    assert f"confluence:{child}" not in found(secured, ALICE)
    hr.heal()

    healed = sync.sync(site(hr))

    assert healed.errors == [] and (healed.permissions_updated, healed.chunks_embedded) == (2, 0)
    assert f"confluence:{child}" in found(secured, ALICE)


def test_an_index_from_before_the_upgrade_takes_a_new_restriction_without_embedding(
        secured: Runtime, sync: SyncEngine, counting: CountingEmbedder, hr: FakeConfluence) -> None:
    parent, child = payroll_tree(hr)
    data_dir = secured.settings.data_dir
    SyncEngine(Store(data_dir), counting, chunk_tokens=secured.settings.chunk_tokens).sync(site(hr))  # an older release
    rewrite_as_before(data_dir, [d for d in site(hr).documents() if isinstance(d, Document)])
    hr.restrict(parent, groups=["hr-team"])
    embedded = counting.documents_embedded

    summary = sync.sync(site(hr))  # the upgraded release, opening the index afresh

    assert summary.errors == [] and (summary.unchanged, summary.permissions_updated) == (3, 2)
    assert summary.chunks_embedded == 0 and counting.documents_embedded == embedded
    assert stored_acls(secured)[f"confluence:{child}"] == ["group:hr-team"]
    assert f"confluence:{child}" not in found(secured, BOB)


def test_restriction_lists_longer_than_one_page_are_read_to_the_end(hr: FakeConfluence) -> None:
    hr.restriction_limit = 3
    groups = [f"team-{n}" for n in range(8)]
    users = [f"user{n}@corp.com" for n in range(4)]
    parent = hr.add_page("HR", "Payroll", "<p>Payroll runs monthly.</p>", read_groups=groups, read_users=users)
    child = hr.add_page("HR", "Salary bands", "<p>Bands by level.</p>", parent=parent)
    everyone_named = sorted([f"group:{g}" for g in groups] + [f"user:{u}" for u in users])
    connector = site(hr)

    documents = {d.id: d for d in connector.documents() if isinstance(d, Document)}
    listing = connector.list_access()

    for doc_id in (f"confluence:{parent}", f"confluence:{child}"):
        assert sorted(documents[doc_id].acl) == everyone_named, "read from the page itself and as an ancestor"
        assert sorted(listing.acls[doc_id]) == everyone_named, "read from the listing"
    assert listing.errors == []
    starts = {r.query.get("start") for r, _ in hr.requests if r.path.endswith(f"/content/{parent}/restriction/byOperation/read")}
    assert {"3", "6"} <= starts


# -- Google Drive ------------------------------------------------------------------------------------
def test_unsharing_a_drive_file_narrows_it_at_the_next_sync_without_embedding(
        secured: Runtime, sync: SyncEngine, counting: CountingEmbedder, drive_api: FakeDrive) -> None:
    root = drive_api.add("Handbook", FOLDER, "root")
    owner = {"kind": "drive#permission", "id": "p1", "type": "user", "role": "owner", "emailAddress": "dana@corp.com"}
    reader = {"kind": "drive#permission", "id": "p2", "type": "user", "role": "reader", "emailAddress": CAROL}
    offsite = drive_api.add("Board offsite", DOC, root, "<html><body><h1>Board offsite</h1><p>The board offsite is in "
                            "Lisbon; the salary band codename Kestrel is on the agenda.</p></body></html>",
                            permissions=[owner, reader])
    connector = GoogleDrive(AnonymousCredentials(), folders=[root], api_endpoint=f"{drive_api.url}/drive/v3/", retry=FAST)
    sync.sync(connector)
    assert f"gdrive:{offsite}" in found(secured, CAROL)
    drive_api.share(offsite, [owner])
    drive_api.clear_log()
    embedded = counting.documents_embedded

    summary = sync.sync(connector)

    assert summary.errors == [] and summary.permissions_updated == 1
    assert summary.chunks_embedded == 0 and counting.documents_embedded == embedded
    assert stored_acls(secured)[f"gdrive:{offsite}"] == ["user:dana@corp.com"]
    assert f"gdrive:{offsite}" not in found(secured, CAROL)
    assert f"gdrive:{offsite}" in found(secured, "dana@corp.com")
    assert set(drive_api.paths()) <= {"GET /drive/v3/files", f"GET /drive/v3/files/{root}"}, "no download or export"


# -- Notion --------------------------------------------------------------------------------------------
def test_a_changed_notion_acl_setting_applies_at_the_next_sync_without_embedding(
        secured: Runtime, sync: SyncEngine, counting: CountingEmbedder, notion_api: FakeNotion) -> None:
    source = NotionSource(notion_api)

    def notion(acl: list[str]) -> Notion:
        return Notion("ntn_test", pages=[source.root], base_url=notion_api.url, retry=FAST, acl=acl)

    sync.sync(notion(["*"]))
    assert source.doc_id("leave") in found(secured, BOB, "parental leave weeks")
    embedded = counting.documents_embedded

    summary = sync.sync(notion(["group:hr-team"]))

    assert summary.errors == [] and summary.permissions_updated == 4
    assert summary.chunks_embedded == 0 and counting.documents_embedded == embedded
    assert set(map(tuple, stored_acls(secured).values())) == {("group:hr-team",)}
    assert source.doc_id("leave") not in found(secured, BOB, "parental leave weeks")
    assert source.doc_id("leave") in found(secured, ALICE, "parental leave weeks")
