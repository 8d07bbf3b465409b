"""A question asking whether something is allowed is searched as one about a policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer.asks import asks_if_allowed
from bot.answer.retrieve import searched
from bot.index.embedding import Embedder
from tests.conftest import synced_runtime

DRIVE = """# Google Drive

## Sharing documents

Share a document from Google Drive with the Share button and pick who may view or edit it. Shared drives keep a
team's documents together; the Drive app shows them on a phone or a tablet once you sign in.
"""
"""Written for this test: the tool page, which shares the question's words (documents, tablet)."""

ACCEPTABLE_USE = """# Acceptable use policy

## Prohibited activities

The following activities are prohibited on company systems: forwarding confidential business emails or documents to
personal external email addresses, port scanning or network sniffing, and installing unlicensed software.
"""
"""Written for this test: the page that settles the question, in its own words (forwarding, personal addresses)."""


@pytest.mark.parametrize("question", [
    "can i send a few work docs to my gmail so i can read them on my ipad?",
    "is it ok to keep a bottle of wine a vendor sent me?",
    "am i allowed to run nmap against the staging boxes?",
    "Could I install my own VPN on the work laptop?",
    "quick one: is that fine, or against the rules?",
])
def test_a_question_asking_whether_something_is_allowed_is_searched_with_the_word_policy(question: str) -> None:
    assert asks_if_allowed(question)
    assert searched(question) == f"{question} policy"


@pytest.mark.parametrize("question", [
    "how can i reset my password?",
    "where can i find the expense form?",
    "who can i ask about my laptop?",
    "what's the parental leave policy?",
    "my laptop won't turn on",
])
def test_a_question_asking_how_where_or_who_is_searched_as_asked(question: str) -> None:
    assert not asks_if_allowed(question)
    assert searched(question) == question


def test_the_policy_that_settles_whether_something_is_allowed_comes_before_the_tools_page(
        tmp_path: Path, embedder: Embedder) -> None:
    rt = synced_runtime(tmp_path, embedder, {"drive.md": DRIVE, "acceptable-use.md": ACCEPTABLE_USE})
    retriever = rt.answers.retriever

    allowed = retriever.search("can i email a couple of work files to my gmail so i can read them on my tablet?")
    how = retriever.search("how do i email a couple of work files to my gmail so i can read them on my tablet?")

    assert allowed[0].path == "acceptable-use.md"
    assert how[0].path == "drive.md"  # the same words asked as a "how": the tool page, as before
