"""Confluence read restrictions inherit downward: a page is readable only by whoever passes its own
restrictions and every ancestor's. These check what the connector makes of that, and that the
answer filter then keeps an inherited-restricted page away from the rest of its space."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
import structlog.testing

from bot.access import Asker
from bot.config import Settings
from bot.index.embedding import Embedder
from bot.runtime import Runtime
from connectors.base import Document, Skipped
from connectors.confluence import Confluence, inherited_acl
from connectors.retry import RetryPolicy
from tests.fakes.confluence import FakeConfluence
from tests.fakes.files import make_pdf

FAST = RetryPolicy(attempts=2, base_delay=0.0)
ALICE, BOB = "alice@corp.com", "bob@corp.com"


def site(api: FakeConfluence) -> Confluence:
    return Confluence(api.base, ["HR"], email="bot@example.com", api_token="t", cloud=True, retry=FAST)


def by_title(api: FakeConfluence) -> tuple[dict[str, Document], dict[str, Skipped]]:
    items = list(site(api).documents())
    docs = {d.title: d for d in items if isinstance(d, Document)}
    skipped = {s.path.rsplit("/", 1)[-1]: s for s in items if isinstance(s, Skipped)}
    return docs, skipped


def restriction_fetches(api: FakeConfluence, page_id: str) -> int:
    return api.paths().count(f"GET /wiki/rest/api/content/{page_id}/restriction/byOperation/read")


@pytest.fixture()
def hr(confluence_api: FakeConfluence) -> FakeConfluence:
    confluence_api.add_space("HR", "Human Resources")
    return confluence_api


@pytest.mark.parametrize(("levels", "expected"), [
    ([[], []], None),
    ([[], ["group:HR"]], ["group:hr"]),
    ([["user:a@x.com", "group:hr"], [], ["group:hr", "group:it"]], ["group:hr"]),
    ([["user:a@x.com"], ["group:hr"]], []),
])
def test_the_rule_keeps_only_principals_allowed_at_every_restricted_level(levels: list[list[str]],
                                                                        expected: list[str] | None) -> None:
    assert inherited_acl(levels) == expected


def test_a_page_under_a_restricted_parent_gets_the_parents_principals(hr: FakeConfluence) -> None:
    parent = hr.add_page("HR", "Payroll", "<p>Payroll runs monthly.</p>", read_groups=["hr-team"],
                         read_users=["carol@corp.com"])
    hr.add_page("HR", "Salary bands", "<p>Bands by level.</p>", parent=parent)
    hr.add_page("HR", "Holidays", "<p>Public holidays.</p>")

    docs, skipped = by_title(hr)

    assert skipped == {}
    assert docs["Salary bands"].acl == ["group:hr-team", "user:carol@corp.com"]
    assert docs["Salary bands"].metadata["restrictions"]["restricted_ancestors"] == [parent]
    assert docs["Holidays"].acl == ["space:HR"]


def test_page_and_ancestor_restrictions_intersect(hr: FakeConfluence) -> None:
    top = hr.add_page("HR", "People", "<p>People team.</p>", read_groups=["hr-team", "managers"])
    middle = hr.add_page("HR", "Reviews", "<p>Review cycle.</p>", parent=top)  # unrestricted: narrows nothing
    hr.add_page("HR", "Calibration", "<p>Calibration notes.</p>", parent=middle,
                read_groups=["managers"], read_users=["dana@corp.com"])

    docs, _ = by_title(hr)

    assert docs["Reviews"].acl == ["group:hr-team", "group:managers"]
    assert docs["Calibration"].acl == ["group:managers"], "dana is not allowed at the top level"


def test_disjoint_levels_give_an_acl_nobody_holds(hr: FakeConfluence) -> None:
    parent = hr.add_page("HR", "Legal", "<p>Legal matters.</p>", read_groups=["legal"])
    child = hr.add_page("HR", "Settlement", "<p>Secret settlement terms.</p>", parent=parent,
                        read_users=["erin@corp.com"])

    with structlog.testing.capture_logs() as logs:  # whatever output an earlier test configured
        docs, _ = by_title(hr)

    assert docs["Settlement"].acl == []
    warned = [entry for entry in logs if entry["event"] == "confluence.no_common_reader"]
    assert warned and any(str(entry.get("page_id")) == str(child) for entry in warned)
    assert "Secret settlement" not in repr(logs)


def test_a_failing_ancestor_lookup_skips_its_pages_and_the_rest_sync(hr: FakeConfluence) -> None:
    parent = hr.add_page("HR", "Payroll", "<p>Payroll runs monthly.</p>", read_groups=["hr-team"])
    hr.add_page("HR", "Salary bands", "<p>Bands by level.</p>", parent=parent)
    hr.add_page("HR", "Bonus", "<p>Bonus rules.</p>", parent=parent)
    hr.add_page("HR", "Holidays", "<p>Public holidays.</p>")
    hr.fail(rf"/content/{parent}/restriction/", 503, times=100)

    docs, skipped = by_title(hr)

    assert set(docs) == {"Payroll", "Holidays"}
    assert set(skipped) == {"Salary bands", "Bonus"}
    assert f"ancestor page {parent}" in skipped["Bonus"].reason
    assert restriction_fetches(hr, parent) == FAST.attempts, "retried once per sync, not once per child"


def test_each_ancestors_restrictions_are_fetched_once_per_sync(hr: FakeConfluence) -> None:
    parent = hr.add_page("HR", "Payroll", "<p>Payroll runs monthly.</p>", read_groups=["hr-team"])
    middle = hr.add_page("HR", "Bands", "<p>Bands.</p>", parent=parent)
    for title in ("Level 1", "Level 2", "Level 3"):
        hr.add_page("HR", title, f"<p>{title} pay.</p>", parent=middle)

    connector = site(hr)
    docs = [d for d in connector.documents() if isinstance(d, Document)]

    assert len(docs) == 5 and all(d.acl == ["group:hr-team"] for d in docs if d.title != "Payroll")
    assert (restriction_fetches(hr, parent), restriction_fetches(hr, middle)) == (1, 1)

    hr.clear_log()
    list(connector.documents())
    assert restriction_fetches(hr, parent) == 1, "the cache lasts one sync, so a new restriction is seen"


def test_a_page_under_a_restricted_parent_never_reaches_others_in_its_space(
        tmp_path: Path, embedder: Embedder, hr: FakeConfluence) -> None:
    access = tmp_path / "access.yaml"
    access.write_text(f"group:hr-team: [{ALICE}]\nspace:HR: [{ALICE}, {BOB}]\n", encoding="utf-8")
    runtime = Runtime(Settings(data_dir=str(tmp_path / "index"), policy_enabled=False, access_file=str(access)))
    runtime.embedder = embedder
    parent = hr.add_page("HR", "Payroll", "<p>Payroll runs on the last working day.</p>", read_groups=["hr-team"])
    child = hr.add_page("HR", "Salary bands", "<p>The salary band for level five engineers is codenamed Kestrel "
                                              "and tops out at ninety thousand euros.</p>", parent=parent)
    # Alice passes both levels, but only as two different principals: not expressible, so nobody.
    alice_only = hr.add_page("HR", "Kestrel exceptions", "<p>Salary band Kestrel exceptions for Alice's team.</p>",
                             parent=parent, read_users=[ALICE])
    hr.add_page("HR", "Holidays", "<p>The office closes on public holidays and the salary is paid as usual.</p>")

    summary = runtime.sync_engine.sync(site(hr))

    def found(email: str) -> set[str]:
        where = runtime.access.for_asker(Asker(surface="slack", email=email, channel="D1", private=True)).where()
        return {r.doc_id for r in runtime.retriever.search("salary band codename Kestrel", k=10, where=where)}

    assert summary.errors == []
    assert f"confluence:{child}" in found(ALICE)
    assert f"confluence:{alice_only}" not in found(ALICE) | found(BOB)
    rows = runtime.store.chunks.search().select(["doc_id", "acl"]).limit(None).to_list()
    assert {row["doc_id"]: row["acl"] for row in rows}[f"confluence:{alice_only}"] == []
    bob = found(BOB)
    assert f"confluence:{child}" not in bob and f"confluence:{parent}" not in bob
    assert bob, "bob still reads the unrestricted pages of the space"


def test_an_attachment_is_readable_only_by_who_may_read_its_page(hr: FakeConfluence) -> None:
    parent = hr.add_page("HR", "Payroll", "<p>Payroll runs monthly.</p>", read_groups=["hr-team"])
    page = hr.add_page("HR", "Salary bands", "<p>Bands by level.</p>", parent=parent)
    open_page = hr.add_page("HR", "Holidays", "<p>Public holidays.</p>")
    hr.add_attachment(page, "bands.pdf", "application/pdf", make_pdf("Band L5 pays between A and B"))
    hr.add_attachment(page, "bands-2027.pdf", "application/pdf", make_pdf("Band L6 pays between C and D"))
    hr.add_attachment(open_page, "calendar.pdf", "application/pdf", make_pdf("New Year's Day is a holiday"))

    items = list(site(hr).documents())
    attachments = {d.metadata["page_id"]: d for d in items if isinstance(d, Document) and d.metadata.get("format")}

    assert attachments[page].acl == ["group:hr-team"], "the restriction on the page's parent applies"
    assert attachments[open_page].acl == ["space:HR"]
    assert hr.paths().count(f"GET /wiki/rest/api/content/{page}") == 2, \
        "the page is read once for itself and once for all its attachments"
