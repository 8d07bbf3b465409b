"""Answers from the example runbooks: cited, linked to sections, honest when nothing matches."""

from __future__ import annotations

import pytest

from bot.answer.service import AnswerService
from bot.runtime import Runtime


def test_answer_cites_the_runbook_with_section_link_and_snippet(example_runtime: Runtime) -> None:
    answer = example_runtime.answers.answer("the VPN says device posture check failed, what now?")

    assert not answer.no_answer and not answer.escalated
    first = answer.citations[0]
    assert first.path == "it/vpn.md"
    assert first.url.startswith("file://") and first.url.split("#", 1)[1] == first.url.split("#", 1)[1].lower()
    assert first.section and first.snippet
    assert first.snippet.split()[0] in answer.text  # the quote shown is the cited snippet
    assert "[1]" in answer.text
    quoted = [(citation.doc_id, citation.url) for citation in answer.citations]
    assert len(set(quoted)) == len(quoted)  # never the same section twice
    later = [citation.doc_id for citation in answer.citations[1:] if citation.doc_id != first.doc_id]
    assert len(set(later)) == len(later)  # one citation per document, but the lead one may give two sections


def test_json_has_the_contract_fields(example_runtime: Runtime) -> None:
    data = example_runtime.answers.answer("what's the per diem for meals when travelling?").to_json()
    assert set(data) == {"question", "answer", "citations", "escalated", "queue", "category", "no_answer", "generated",
                         "uncited"}
    assert data["generated"] is False and data["uncited"] == []  # no ANTHROPIC_API_KEY: the snippets answer
    assert set(data["citations"][0]) == {"title", "url", "path", "section", "snippet", "doc_id"}


def test_question_about_something_unrelated_is_not_found(example_runtime: Runtime) -> None:
    answer = example_runtime.answers.answer("what is the airspeed velocity of an unladen swallow?")
    assert answer.no_answer and not answer.citations
    assert "couldn't find" in answer.text


@pytest.mark.parametrize("channels", ["#ask-it-tech-ops or #people-ops-help", ""])
def test_not_found_points_at_the_companys_own_channels(example_runtime: Runtime, channels: str) -> None:
    """The bundled company's channels mean nothing elsewhere: KB_HELP_CHANNELS names the operator's, or none."""
    service = AnswerService(example_runtime.settings.model_copy(update={"help_channels": channels}),
                            example_runtime.retriever)

    answer = service.answer("what is the airspeed velocity of an unladen swallow?")

    assert answer.no_answer and "#it-help" not in answer.text
    assert answer.text.endswith(f"or ask in {channels}." if channels else "policy.")


@pytest.mark.parametrize(
    "question, expected",
    [
        ("x" * 40_000, "40,000 characters"),
        ("🙂🎉🔥", "a few words"),
        ("   \n\t ", "Ask me a question"),
        ("\ud800\udfff", "Ask me a question"),  # lone surrogates, as a JSON payload can carry
    ],
)
def test_unusable_question_gets_a_clear_reply(example_runtime: Runtime, question: str, expected: str) -> None:
    answer = example_runtime.answers.answer(question)
    assert answer.no_answer and expected in answer.text and not answer.citations


def test_hybrid_finds_exact_names_and_paraphrases(example_runtime: Runtime) -> None:
    retriever = example_runtime.retriever
    exact = retriever.search("kconnect", k=3)  # a CLI name the model has never seen
    assert exact[0].path == "it/vpn.md" and "text" in exact[0].ranks
    paraphrase = retriever.search("my phone with the authenticator app got stolen", k=3)
    assert paraphrase[0].path in {"it/mfa-enrolment-and-lost-phone.md", "security/lost-or-stolen-devices.md"}


def test_results_hold_at_most_two_chunks_per_document(example_runtime: Runtime) -> None:
    results = example_runtime.retriever.search("parental leave", k=10, per_doc=2)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.doc_id] = counts.get(result.doc_id, 0) + 1
    assert max(counts.values()) <= 2 and len(results) == 10


def test_follow_up_uses_the_thread_for_retrieval(example_runtime: Runtime) -> None:
    alone = example_runtime.answers.answer("and what if I lose it?")
    in_thread = example_runtime.answers.answer("and what if I lose it?", history=["how do I set up my YubiKey for MFA?"])
    assert in_thread.citations and in_thread.citations[0].path in {
        "it/mfa-enrolment-and-lost-phone.md", "security/lost-or-stolen-devices.md"}
    assert [c.path for c in alone.citations] != [c.path for c in in_thread.citations]


STEPS = """To connect the first time:

1. Open the app from the menu bar. It shows a key icon.
2. Click Sign in and approve the push on your phone.
3. Click Connect, then open the status page to confirm internal sites load.

If the icon is missing, install the app from Self Service. Personal computers cannot connect at all.
"""


def test_step_numbers_stay_on_their_steps() -> None:
    from bot.index.sentences import sentences_of

    found = sentences_of(STEPS)

    assert "1. Open the app from the menu bar." in found and "3. Click Connect, then open the status page to " \
        "confirm internal sites load." in found
    assert not any(sentence.strip(".").isdigit() for sentence in found), "no bare step number"


def test_a_quoted_later_step_starts_at_step_one_when_it_fits() -> None:
    from bot.answer.snippets import best_snippet

    quote = best_snippet("confirm internal sites load on the status page", STEPS, max_chars=260)

    assert quote.index("1. Open the app") < quote.index("3. Click Connect"), quote
    tight = best_snippet("confirm internal sites load on the status page", STEPS, max_chars=90)
    assert "3. Click Connect" in tight and "1. Open" not in tight, "steps that don't fit are not forced in"


def test_a_hard_wrapped_sentence_is_quoted_whole() -> None:
    from bot.answer.snippets import best_snippet
    from bot.index.sentences import sentences_of

    wrapped = ("You must change your password when you start and every\n90 days thereafter. Go to the reset\n"
               "portal to change it.\n\n- a list item\n- another item\n\n```\nkb sync\nkb ask\n```\n")
    found = sentences_of(wrapped)

    assert "You must change your password when you start and every 90 days thereafter." in found
    assert "Go to the reset portal to change it." in found
    assert "a list item" in found and "another item" in found  # list items keep their own lines
    assert "kb sync" in found and "kb ask" in found  # so do code lines
    assert "90 days thereafter" in best_snippet("how often must I change my password", wrapped, max_chars=80)


def test_html_entities_in_a_page_are_quoted_as_the_page_shows_them() -> None:
    from bot.index.sentences import sentences_of

    found = sentences_of("Share the portal link with the customer.&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;\n\n"
                         "For any leave &lt;4 weeks, ask your People Partner &amp; your manager.")

    assert found == ["Share the portal link with the customer.",
                     "For any leave <4 weeks, ask your People Partner & your manager."]


def test_a_quote_grows_towards_the_more_relevant_neighbour() -> None:
    from bot.answer.snippets import best_snippet

    text = ("You may carry over up to 5 days of unused vacation into the new year. "
            "Carried-over vacation days must be used by March 31 of the new year. "
            "Payroll runs on the 25th of each month. Expense reports are due monthly.")
    quote = best_snippet("when do carried-over vacation days have to be used", text, max_chars=150)

    assert quote.startswith("You may carry over up to 5 days"), quote  # not the unrelated sentence after it
    assert "Payroll" not in quote


def _result(doc: str, section: str, text: str, rank: int):  # noqa: ANN202 - a Result
    from bot.answer.retrieve import Result

    return Result(id=f"{doc}#{section}#{rank}", doc_id=doc, source="local", title=doc.title(), url=f"file:///{doc}.md",
                  path=f"{doc}.md", section=section, anchor=section.lower().replace(" ", "-"), text=text,
                  updated_at=None, score=1.0 - rank / 20, similarity=0.6)


def test_the_lead_document_gives_up_to_two_sections_in_retrieval_order() -> None:
    from bot.answer.compose import citations_for

    results = [
        _result("printers", "Troubleshooting", "If your job does not print, check you are on the office network.", 0),
        _result("printers", "How to print", "Tap your office badge on the card reader to release the job.", 1),
        _result("badges", "Lost badge", "Report a lost office badge at the front desk.", 2),
        _result("badges", "New badge", "A new badge takes two days.", 3),
        _result("wifi", "Guests", "Guests use the guest network.", 4),
    ]
    citations = citations_for("nothing came out of the printer when I tapped my badge", results, limit=5)

    assert [(c.doc_id, c.section) for c in citations][:2] == [("printers", "Troubleshooting"), ("printers", "How to print")]
    assert [c.doc_id for c in citations[2:]] == ["badges", "wifi"]  # the others: one section each


def test_two_chunks_of_one_section_make_one_citation_with_both_quotes() -> None:
    from bot.answer.compose import citations_for

    results = [_result("leave", "Unpaid leave", "You can request unpaid leave of less than four weeks.", 0),
               _result("leave", "Unpaid leave", "Over 80 hours needs your director's written approval.", 1)]
    citations = citations_for("who approves unpaid leave", results, limit=5)

    assert len(citations) == 1
    assert "four weeks" in citations[0].snippet and "director" in citations[0].snippet


def test_table_rows_are_quoted_as_plain_text() -> None:
    from bot.answer.snippets import best_snippet

    table = ("| Expense | Limit |\n|---|:---:|\n| Client meal | $100 per person |\n| Team meal | $50 per person |\n"
             "| Books | $200 per item |\n")
    quote = best_snippet("what is the limit for a client meal", table)

    assert "|" not in quote and "---" not in quote
    assert "Client meal — $100 per person;" in quote


def test_a_quote_never_starts_in_the_middle_of_a_numbered_step() -> None:
    from bot.answer.snippets import best_snippet

    text = ("1. Open the app from the menu bar. It shows a key icon.\n"
            "2. Click Sign in. Approve the push on your phone.\n"
            "3. Click Connect. Check that the status page loads.\n\n"
            "A personal computer cannot use the VPN: only enrolled laptops pass the device posture check.\n")
    quote = best_snippet("why does the device posture check fail on my personal computer", text, max_chars=135)

    assert quote.endswith("device posture check."), quote
    assert quote.startswith("A personal computer"), "step 3's second sentence fits, but not without its start"
