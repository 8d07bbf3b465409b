"""Chat phrasing meets the runbooks' words in full-text search ("i want to quit" finds the resignation page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.answer.chat_terms import expanded, load, translated
from bot.cli import app
from bot.index.embedding import Embedder
from tests.conftest import synced_runtime

LEAVING = """# Leaving Northwind

## Resigning

Resignations go to your manager first, in a call, and then in writing to people@northwind.example. Your
resignation email names your last working day; the standard resignation period is four weeks.
"""

TIME_OFF = """# Time off

## Booking holidays

Book time off in the HR portal at least two weeks ahead and tell your team first, in its channel.
"""
"""Written for this test: it shares "tell" and "first" with the question, the resignation page none of its words."""


@pytest.mark.parametrize("chat_terms, first", [(True, "leaving.md"), (False, "time-off.md")])
def test_full_text_search_finds_the_runbooks_word_for_chat_phrasing(tmp_path: Path, embedder: Embedder,
                                                                    chat_terms: bool, first: str) -> None:
    rt = synced_runtime(tmp_path, embedder, {"leaving.md": LEAVING, "time-off.md": TIME_OFF}, chat_terms=chat_terms)

    results = rt.answers.retriever.search("i want to quit, who do i tell first?", mode="text")

    assert results[0].path == first


@pytest.mark.parametrize("question, added", [
    ("thinking of handing in my notice, what's step one?", "resign resignation"),
    ("putting in my two weeks friday, who do i email?", "resign resignation"),
    ("got a sus email from 'the ceo' asking for gift cards", "suspicious phishing spam"),
    ("my coworker and i keep butting heads", "teammate colleague conflict"),
    ("forgot my okta pw", "password"),
    ("i'm pregnant! what do i sort out first?", "parental leave"),
    ("who do i ask in IT about a new monitor?", "support"),
    ("is the all-hands recorded if i miss it?", "company meeting"),
    ("i'm dyslexic, can i get a screen reader licence?", "accommodation disability"),
    ("anyone around the office over xmas week?", "christmas"),
    ("my son turns 24 soon, can he stay on my medical plan?", "dependents"),
    ("referred a friend for the sre role and she got an offer, is there a bonus?", "referral"),
    ("some screening company emailed asking for my address history, legit?", "background check"),
    ("on OPT now, can the company help with my STEM extension?", "F-1 visa"),
    ("a candidate who is hard of hearing asked for live captions", "accommodation disability"),
    # Other workplaces' words and other vendors' tools, said as the runbooks' kind of thing.
    ("is there a childminder allowance for work trips?", "dependent care"),
    ("does the company do a winter shutdown?", "holidays office closed"),
    ("is there an evergreen grant after four years?", "equity refresh"),  # "grant" is asked already
    ("do we have an ombudsperson?", "anonymous report hotline"),
    ("we used concur at my last job, where do receipts go here?", "expense report reimbursement"),
    ("do i need to install crowdstrike?", "antivirus endpoint security"),
    ("in the uk i had reasonable adjustments for my back", "accommodation disability"),
    # Leaving, a side activity, an investment and a bill, told the way chat tells them.
    ("gave notice this morning, when does my laptop go back?", "resign resignation"),
    ("accepted another offer, who do i tell first?", "resign resignation"),
    ("dentist appt at 2, is that pto?", "appointment"),
    ("i tutor kids on the side, do i need to tell anyone?", "outside employment"),
    ("can i take pto to do a paid freelance gig?", "outside employment"),
    ("on a work trip, can i expense a couple beers with dinner?", "alcoholic beverages"),
    ("what's the daily food limit, and do drinks count?", "alcoholic beverages"),
    ("my roommate's startup is raising an angel round and i want in", "investment conflict of interest"),
    ("got a huge bill from the ER last month, who can check it?", "medical insurance claim"),  # "bill" is asked
])
def test_chat_phrasing_gains_the_runbooks_words(question: str, added: str) -> None:
    assert expanded(question) == f"{question} ({added})"


@pytest.mark.parametrize("question", [
    "how do i request parental leave?",  # already the runbook's words: nothing to add
    "does it help to raise a concern with my manager first?",  # "it" and "raise" in their everyday sense
    "my laptop died, can i get a loaner?",  # died, but nobody passed away
    "can i move to another team?",  # a move, not a relocation abroad
    "can i opt out of the pulse survey?",  # opting out, not a student's work authorisation
    "is the wellness challenge opt-in?",
    "my kids are home sick today, can i work late instead?",  # family, but no health plan in question
    "where is our soc 2 report?",  # a security standard, not a security operations centre
    "how long is the ramp period after leave?",  # a quota's ramp, not the expense tool
    "should we give notice to customers before the maintenance window?",  # notice to others, not one's own
    "can i hire a freelancer visa holder in germany?",  # the visa, not work on the side
    "my skip level keeps asking me out for drinks",  # drinks out, not a meal's bill
])
def test_plain_questions_are_left_as_asked(question: str) -> None:
    assert expanded(question) == question


@pytest.mark.parametrize("thing, said", [
    ("a babysitting allowance", "a dependent care allowance"),
    ("moonlighting rules", "outside employment rules"),
])
def test_a_chat_word_matched_by_its_start_is_replaced_whole(thing: str, said: str) -> None:
    """The table matches some words by their start ("babysit…", "moonlight…"); the rest of the word goes too, or
    "dependent careting" is a word no runbook says and X is turned away as never mentioned."""
    assert translated(thing) == said


def test_the_companys_own_jargon_is_added_from_its_file(tmp_path: Path) -> None:
    own = tmp_path / "chat-terms.yaml"
    own.write_text("'\\bthe hub\\b': intranet portal\n'\\bpeeps\\b': people team\n", encoding="utf-8")

    table = load(str(own))

    assert expanded("where's the leave form on the hub?", table) == "where's the leave form on the hub? (intranet portal)"
    assert expanded("got a sus email", table) == "got a sus email (suspicious phishing spam)"  # the built-in rows stay
    assert expanded("where's the leave form on the hub?") == "where's the leave form on the hub?"  # not in the built-in


def test_a_do_we_have_thing_is_judged_in_the_runbooks_words(tmp_path: Path) -> None:
    own = tmp_path / "chat-terms.yaml"
    own.write_text("'\\bthe hub\\b': intranet \\1 portal\n", encoding="utf-8")

    assert translated("wfh stipend") == "remote work from home stipend"
    assert translated("pet insurance") == "pet insurance"  # nothing to translate
    assert translated("the hub login", load(str(own))) == "intranet \\1 portal login"  # the words as written


@pytest.mark.parametrize("content, reason", [
    ("'(unclosed': words\n", "is not a regular expression"),
    ("- just\n- a list\n", "expected a mapping"),
    ("'\\bhub\\b': ''\n", "must be a pattern and the words to add"),
])
def test_a_bad_jargon_file_stops_the_command_with_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             content: str, reason: str) -> None:
    own = tmp_path / "chat-terms.yaml"
    own.write_text(content, encoding="utf-8")
    monkeypatch.setenv("KB_CHAT_TERMS_FILE", str(own))

    result = CliRunner().invoke(app, ["ask", "where is the hub?", "--data-dir", str(tmp_path / "index")])

    assert result.exit_code == 1
    assert str(own) in " ".join(result.output.split()) and reason in " ".join(result.output.split())


MEETINGS = """# Company meetings

## The company meeting

Everyone joins the company meeting every other Thursday at 16:00 UTC; the recording is posted in #announcements.
"""
"""Written for this test: the runbooks' word for what chat calls the all-hands."""


def test_a_chat_phrase_is_read_whole_before_do_we_have_trims_its_thing(tmp_path: Path, embedder: Embedder) -> None:
    """"is there an all hands…" trims "an all" off the thing it judges; read whole first, "all hands" is
    the company meeting the runbooks describe, not a missing "hands"."""
    rt = synced_runtime(tmp_path, embedder, {"meetings.md": MEETINGS, "time-off.md": TIME_OFF})
    question = "is there an all hands?"

    assert rt.answers.absent_thing(question, rt.answers.retriever.search(question)) is None
