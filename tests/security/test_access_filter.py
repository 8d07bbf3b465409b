"""Document-level access, enforced inside the LanceDB query: what each asker's answers may draw on."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.access import Access, AccessControl, Asker
from bot.access.control import AccessFileError
from bot.answer.retrieve import fts_query
from bot.index.store import Store
from bot.runtime import Runtime
from tests.security.conftest import (
    ALICE,
    BOB,
    CORPUS,
    PERSONAL_TITLE,
    PUBLIC_TITLES,
    RESTRICTED_QUESTION,
    RESTRICTED_TITLE,
)

RESTRICTED_IDS = {"confluence:900", "gdrive:offsite"}


def cited_titles(runtime: Runtime, asker: Asker | None, question: str = RESTRICTED_QUESTION) -> set[str]:
    where = runtime.access.for_asker(asker).where()
    return {citation.title for citation in runtime.answers.answer(question, where=where).citations}


def test_both_search_legs_filter_before_the_limit(secure_runtime: Runtime) -> None:
    """With limit 1 the restricted chunk is each leg's best match; a post-filter would return nothing."""
    store = secure_runtime.store
    vector = secure_runtime.embedder.embed_queries([RESTRICTED_QUESTION])[0]
    public = secure_runtime.access.for_asker(None).where()

    assert store.search_vector(vector, 1)[0].row["doc_id"] in RESTRICTED_IDS
    assert store.search_text(fts_query("Bluebird codename"), 1)[0].row["doc_id"] in RESTRICTED_IDS

    for hits in (store.search_vector(vector, 1, public), store.search_text(fts_query("laptop codename Bluebird"), 1, public)):
        assert len(hits) == 1 and hits[0].row["doc_id"] not in RESTRICTED_IDS
    everything = store.search_vector(vector, 50, public) + store.search_text(fts_query("laptop Bluebird"), 50, public)
    assert everything and not {hit.row["doc_id"] for hit in everything} & RESTRICTED_IDS


def test_restricted_document_is_used_in_a_dm_of_an_allowed_user(secure_runtime: Runtime) -> None:
    titles = cited_titles(secure_runtime, Asker(surface="slack", email=ALICE, channel="D1", private=True))
    assert RESTRICTED_TITLE in titles


def test_restricted_document_never_appears_in_a_channel_answer_even_for_an_allowed_user(secure_runtime: Runtime) -> None:
    for asker in (Asker(surface="slack", email=ALICE, channel="C1"), Asker(surface="teams", email=ALICE, channel="19:x"),
                  None):
        titles = cited_titles(secure_runtime, asker)
        assert RESTRICTED_TITLE not in titles and PERSONAL_TITLE not in titles


def test_user_in_no_group_sees_only_public_documents(secure_runtime: Runtime) -> None:
    bob = Asker(surface="slack", email=BOB, channel="D2", private=True)
    for question in (RESTRICTED_QUESTION, "Where is the board offsite?", "How do I release print jobs?"):
        assert cited_titles(secure_runtime, bob, question) <= PUBLIC_TITLES
    assert "Printers" in cited_titles(secure_runtime, bob, "How do I release print jobs?"), "space:IT is public"


def test_a_file_shared_with_one_person_is_used_only_in_that_persons_dm(secure_runtime: Runtime) -> None:
    question = "Where does the board offsite take place?"
    assert PERSONAL_TITLE in cited_titles(secure_runtime, Asker(email=ALICE, private=True), question)
    assert PERSONAL_TITLE not in cited_titles(secure_runtime, Asker(email="carol@corp.com", private=True), question)


def test_a_guest_does_not_hold_everyone(secure_runtime: Runtime) -> None:
    guest = Asker(surface="slack", email="vendor@partner.com", channel="D3", private=True, guest=True)
    assert cited_titles(secure_runtime, guest, "How do I connect to the VPN?") == set()
    assert "VPN" in cited_titles(secure_runtime, Asker(email=BOB, private=True), "How do I connect to the VPN?")


def test_a_channel_limited_to_one_source_never_cites_another(secure_runtime: Runtime) -> None:
    settings = secure_runtime.settings.model_copy(update={"channel_sources": {"CITHELP": ["confluence/IT Help"],
                                                                              "CLOCAL": ["local"]}})
    control = AccessControl(settings)
    questions = ["How do I connect to the VPN?", "How do I get a new laptop?", "How do I release print jobs?",
                 RESTRICTED_QUESTION]
    for channel, allowed in (("CITHELP", {"Printers"}), ("CLOCAL", {"VPN", "Laptops"})):
        where = control.for_asker(Asker(surface="slack", email=ALICE, channel=channel)).where()
        cited = {c.title for q in questions for c in secure_runtime.answers.answer(q, where=where).citations}
        assert cited and cited <= allowed, (channel, cited)
    open_channel = control.for_asker(Asker(surface="slack", email=ALICE, channel="COTHER")).where()
    assert {"VPN", "Printers"} <= {c.title for q in questions for c in
                                   secure_runtime.answers.answer(q, where=open_channel).citations}


def test_a_channel_listed_with_no_source_searches_nothing(secure_runtime: Runtime) -> None:
    settings = secure_runtime.settings.model_copy(update={"channel_sources": {"CNONE": [], "*": ["local"]}})
    control = AccessControl(settings)
    assert control.for_asker(Asker(channel="CNONE")).where() == "FALSE"
    assert secure_runtime.store.search_text("vpn", 10, "FALSE") == []
    assert "source = 'local'" in str(control.for_asker(Asker(channel="CANY")).where())
    assert "source" not in str(control.for_asker(Asker(email=BOB, channel="D9", private=True)).where()), \
        "a one-to-one chat is not a channel"


def test_grants_are_transitive_and_spelling_insensitive(tmp_path: Path, secure_runtime: Runtime) -> None:
    path = tmp_path / "access.yaml"
    path.write_text("space:HR: [group:hr-team, Group:Managers]\ngroup:managers: [Dana@Corp.com]\n")
    control = AccessControl(secure_runtime.settings.model_copy(update={"access_file": str(path)}))
    held = control.principals(Asker(email="dana@corp.com"))
    assert {"space:hr", "group:managers", "user:dana@corp.com", "domain:corp.com", "*"} <= held
    assert "space:hr" not in control.principals(Asker(email=BOB))


@pytest.mark.parametrize("content", ["- just\n- a list\n", "group:x: 3\n", "group:x: [unclosed\n"])
def test_an_unusable_access_file_stops_the_bot_instead_of_guessing(tmp_path: Path, secure_runtime: Runtime,
                                                                    content: str) -> None:
    path = tmp_path / "access.yaml"
    path.write_text(content)
    with pytest.raises(AccessFileError):
        AccessControl(secure_runtime.settings.model_copy(update={"access_file": str(path)}))
    with pytest.raises(AccessFileError):
        AccessControl(secure_runtime.settings.model_copy(update={"access_file": str(tmp_path / "missing.yaml")}))


def test_principals_are_stored_in_one_spelling(secure_runtime: Runtime) -> None:
    rows = secure_runtime.store.chunks.search().select(["doc_id", "acl"]).limit(None).to_list()
    acl = {row["doc_id"]: row["acl"] for row in rows}
    assert acl["confluence:900"] == ["group:hr-team"] and acl["gdrive:offsite"] == [f"user:{ALICE}"]
    assert len(acl) == len(CORPUS)


def test_quotes_in_principals_cannot_widen_the_filter() -> None:
    access = Access(frozenset({"user:x') OR TRUE OR array_has(acl, 'y"}))
    assert "'user:x'') OR TRUE OR array_has(acl, ''y'" in str(access.where())


def test_reading_a_whole_document_applies_the_askers_filter_too(secure_runtime: Runtime) -> None:
    """The answer re-reads the documents it cites (Retriever.documents): that read must not bypass the filter."""
    public = secure_runtime.access.for_asker(None).where()
    retriever = secure_runtime.answers.retriever

    for doc_id in RESTRICTED_IDS:
        whole = retriever.documents([doc_id], RESTRICTED_QUESTION)[doc_id]
        assert whole and all(result.doc_id == doc_id and -1.0 <= result.similarity <= 1.0 for result in whole)
        assert retriever.documents([doc_id], RESTRICTED_QUESTION, public) == {}


def test_a_hybrid_search_runs_its_legs_side_by_side_with_the_same_filter(secure_runtime: Runtime) -> None:
    """`kb ask`'s pair of searches: the same hits as the legs one after the other, the full-text leg on
    another thread (on two cores the pair then costs about the slower leg, not the sum)."""
    threads: list[str] = []

    class Recording(Store):
        def search_text(self, text: str, limit: int, where: str | None = None) -> list:
            threads.append(threading.current_thread().name)
            return super().search_text(text, limit, where)

    store = Recording(secure_runtime.store.uri)
    vector = secure_runtime.embedder.embed_queries([RESTRICTED_QUESTION])[0]
    public = secure_runtime.access.for_asker(None).where()
    text = fts_query("laptop codename Bluebird")

    vector_hits, text_hits = store.search_both(vector, text, 50, public)

    def ids(hits: list) -> list[str]:
        return [hit.row["id"] for hit in hits]

    assert ids(vector_hits) == ids(store.search_vector(vector, 50, public))
    assert ids(text_hits) == ids(store.search_text(text, 50, public)) and text_hits
    assert not {hit.row["doc_id"] for hit in vector_hits + text_hits} & RESTRICTED_IDS
    assert threads[0] != threading.current_thread().name and threads[0].startswith("kb-search")
