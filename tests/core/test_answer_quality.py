"""Quotes chosen by what the question asks for, and an honest "not found" for things never written down."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.answer.asks import Ask, asks, holds, instructs
from bot.answer.audience import ABROAD, AUDIENCE_BONUS, US, asker_region, audience_bonuses
from bot.answer.compose import LEAD_QUOTE_CHARS, SOURCE_SHARE, citations_for, words_shared
from bot.answer.coverage import DISTINCTIVE, asked_thing, asks_meaning, distinctive_unmentioned, named, unmentioned
from bot.answer.retrieve import Result
from bot.answer.service import MAX_CLAUSES, another_ask
from bot.answer.snippets import QUOTE_CHARS, best_quote, best_snippet, lexical_scores
from bot.index.embedding import Embedder
from bot.index import sentence_vectors
from bot.index.sentences import sentences_of
from bot.runtime import Runtime
from tests.conftest import synced_runtime


def test_a_how_to_question_is_quoted_from_step_one(example_runtime: Runtime) -> None:
    answer = example_runtime.answers.answer("How do I set up the VPN on my new laptop?")

    quote = answer.citations[0].snippet
    assert answer.citations[0].section == "Setting up the VPN on a new laptop"
    assert quote.index("1. Finish the laptop setup") < quote.index("2. Open Keystone Connect") \
        < quote.index("3. Click Connect"), quote
    assert quote.startswith("Keystone Connect arrives with the laptop") or quote.startswith("The first time"), \
        "the line that introduces the steps comes with them"


def test_a_long_procedure_is_bounded_and_says_there_is_more() -> None:
    steps = "To enrol:\n\n" + "\n".join(f"{n}. Do the {n}th thing with the enrolment portal and check it worked."
                                        for n in range(1, 30))
    quote = best_snippet("how do I enrol", steps, max_chars=200)

    assert quote.startswith("To enrol: 1. Do the 1th thing")
    assert quote.endswith("…") and len(quote) < 1000 and "29. Do" not in quote


def test_the_step_a_how_to_question_is_about_follows_a_procedure_cut_before_it() -> None:
    steps = "When you resign:\n\n" + "\n".join(
        f"{n}. Work through item {n} of the leaving checklist with your manager and note it as done."
        for n in range(1, 13)
    ) + "\n13. Email Tech Ops to book a time to wipe and return your laptop."

    quote = best_snippet("my last day is friday, how do i get my laptop wiped by tech ops?", steps, max_chars=300)
    unasked = best_snippet("how do i work through the leaving checklist?", steps, max_chars=300)

    assert quote.startswith("When you resign: 1. Work through item 1"), "the procedure still starts at step 1"
    assert quote.endswith("… 13. Email Tech Ops to book a time to wipe and return your laptop."), quote
    assert "item 12" not in quote
    assert unasked.endswith("…") and "13." not in unasked, "a step is added only when it matches best"


def test_a_quotes_one_line_hint_shows_the_sentence_with_the_kind_of_fact_asked_for() -> None:
    """A source listed under the answer shows one line of its quote: for "how long…", the line with the number."""
    text = ("Expense reports for client travel go through Ledger, and your manager approves expense reports for "
            "client travel. They are due within 30 days.")

    _, how_long = best_quote("how long do i have to file expense reports for client travel?", text, max_chars=300)
    _, who = best_quote("who approves expense reports for client travel?", text, max_chars=300)

    assert how_long == "They are due within 30 days."
    assert who.startswith("Expense reports for client travel go through Ledger"), "the best sentence holds a contact"


def test_a_how_long_question_is_quoted_with_the_number() -> None:
    text = ("Expense reports go through Ledger. Attach an itemised receipt for everything you claim. "
            "Your manager approves the report before finance pays it. "
            "Reports must be submitted within 30 days of the expense; later ones need a director's approval. "
            "Finance reimburses approved reports with the next payroll.")
    quote = best_snippet("how long do I have to get my expense report in?", text, max_chars=120)

    assert "within 30 days" in quote, quote


def test_a_quote_without_the_kind_of_fact_asked_for_gains_the_sentence_that_holds_one() -> None:
    # The later items share the question's words; the duration is the list's first item, past the budget.
    text = ("## How we run check-ins\n\n"
            "- In most cases, check-ins are recurring 25-minute meetings.\n"
            "- Keep a shared document with the agenda and notes of every meeting, which both people add to.\n"
            "- Both people bring topics; a check-in where only the manager talks is a sign of a larger problem.\n"
            "- Give feedback as it happens instead of saving it for the meeting.\n"
            "- A manager with too many direct reports to hold effective check-ins with all of them should find "
            "more managers.\n")
    question = "new manager here, how long should my check-ins with my direct reports be?"

    quote = best_snippet(question, text, max_chars=250)
    assert quote.startswith("In most cases, check-ins are recurring 25-minute meetings. … "), quote
    assert "too many direct reports" in quote, "the best match stays; the fact is added before it"
    assert best_snippet("what should my check-ins with my direct reports cover?", text, max_chars=250) \
        .count("…") == 0, "a question asking for no number gets no number added"


def test_steps_numbered_inside_a_bulleted_list_are_quoted_from_step_one_with_their_lead_in() -> None:
    text = ("- Tell your manager a week ahead when you can.\n"
            "- Going away for more than a week? Hand your duties over in the Roster app. To hand them over, "
            "open Roster in Slack and follow these steps:\n"
            "    - 1. Open the Home tab and pick your upcoming time off.\n"
            "    - 2. Choose Hand over and name the coworker or channel taking over.\n"
            "    - 3. List what they cover and press Send.\n"
            "- Time off longer than two weeks needs your department head's approval.")
    quote = best_snippet("how do i hand my duties over to a coworker while i'm away?", text)

    assert quote.startswith("To hand them over, open Roster in Slack and follow these steps: 1. Open the Home tab"), quote
    assert "3. List what they cover" in quote and "department head" not in quote


def test_a_quote_reaches_the_fact_two_sentences_past_the_best_match() -> None:
    text = ("Our offices are open to visitors on weekdays, and every guest signs in at the front desk. "
            "Guests of teammates may use the Brightwater office lounge and its meeting rooms for the whole day, "
            "as long as the teammate who invited them stays in the building with them the entire time. "
            "The lounge also has lockers, a quiet room, a small kitchen and a coffee machine that guests are welcome "
            "to use, and its meeting rooms are booked from the office calendar like any other room. "
            "Each visit needs a visitor badge, which reception prints for you when you register the guest in the "
            "visitor app by five in the afternoon on the day before they come in. "
            "Parking for guests is on level two of the garage beside the building.")
    question = "can my guests use the Brightwater lounge and meeting rooms?"

    assert "reception prints" in best_snippet(question, text)
    assert "reception prints" not in best_snippet(question, text, max_chars=450)  # the budget before


def test_a_frequency_written_two_ways_is_the_same_word() -> None:
    """"Daily" meets "per day", "per yr" meets "annual": a number's unit is how the question finds it."""
    sentences = ["Allowance rules apply to contractors as well.", "The allowance is $80 per day, alcohol included."]

    daily = lexical_scores("what's the daily allowance?", sentences)
    yearly = lexical_scores("how much per yr is the book allowance", ["The allowance is set by your team.",
                                                                     "Each teammate has an annual allowance of $300."])

    assert daily[1] > daily[0]
    assert yearly[1] > yearly[0]


def test_a_length_asked_meets_the_characters_the_runbook_gives() -> None:
    """"How long should a password be?" and "is there a length…?" ask for a number of characters, which a runbook
    gives as "15 characters or longer": "long" meets "longer" and "length", "chars" meets "characters"."""
    sentences = ["Use a password manager to generate passwords for every account.",
                 "Create a password that is ideally 15 characters or longer."]

    how_long = lexical_scores("how long should my work password be?", sentences)
    length = lexical_scores("is there a minimum length for the password?", sentences)
    chars = lexical_scores("how many chars does a password need?", sentences)

    assert how_long[1] > how_long[0]
    assert length[1] > length[0]
    assert chars[1] > chars[0]


def test_a_who_question_is_quoted_with_the_address() -> None:
    text = ("Phishing emails often pretend to come from payroll or IT. Don't click links in a message you "
            "didn't expect. If you clicked one, report it right away: forward the email to phish@larkspur.example "
            "and tell the security team in #security-help. Changing your password is not enough on its own.")
    quote = best_snippet("i clicked a link in a fake payroll email, who do I tell?", text, max_chars=130)

    assert "phish@larkspur.example" in quote or "#security-help" in quote, quote


def test_a_how_to_question_is_quoted_with_the_sentence_that_says_what_to_do() -> None:
    text = ("Badges are printed by the front desk. A lost badge stops working as soon as it is reported. "
            "To replace a lost badge, please submit the badge request form on the intranet. "
            "Replacement badges are free the first time.")
    quote = best_snippet("lost my badge 😩 how do i get a new one?", text, max_chars=90)

    assert "badge request form" in quote, quote  # not "stops working…", which shares as many words


@pytest.mark.parametrize("sentence, says_what_to_do", [
    ("To formally request leave, please login to Tilt through your Rippling account.", True),
    ("If you'd like to change your email address, please fill out this form.", True),
    ("Please email people-ops@larkspur.example with the new name.", True),
    ("To be eligible, you must have worked here four months.", False),
    ("To date, we have hired 100 people.", False),
    ("2. Click Connect.", False),  # a numbered step: the list is quoted whole instead
])
def test_a_procedure_in_one_sentence_is_recognised(sentence: str, says_what_to_do: bool) -> None:
    assert instructs(sentence) is says_what_to_do


def test_a_table_row_is_quoted_with_its_header() -> None:
    table = ("Meal limits depend on who is at the table.\n\n| Meal | Limit per person |\n|---|---|\n"
             "| Breakfast | $25 |\n| Lunch | $35 |\n| Client dinner | $120 |\n| Team dinner | $60 |\n")
    quote = best_snippet("what's the max for a client dinner", table, max_chars=60)

    assert quote.startswith("Meal — Limit per person;") and "Client dinner — $120;" in quote, quote


RETENTION = """# Data retention

How long each system keeps what it holds, and who to ask about it.

## Retention by system

<table>
  <tr>
   <td><strong>System</strong></td>
   <td><strong>What it holds</strong></td>
   <td><strong>Retention period</strong></td>
  </tr>
  <tr>
   <td>Chat</td>
   <td>Messages and files in channels</td>
   <td>Deleted after 180 days</td>
  </tr>
  <tr>
   <td>Review tool</td>
   <td>Peer feedback and self reviews</td>
   <td><ul><li>Deleted 90 days after someone leaves</li></ul></td>
  </tr>
</table>
"""


def test_a_row_of_a_table_written_as_html_is_quoted_as_a_row_with_its_header(tmp_path: Path,
                                                                            embedder: Embedder) -> None:
    """Runbooks in git write tables with lists in their cells as HTML; its rows are answered like markdown's."""
    rt = synced_runtime(tmp_path, embedder, {"retention.md": RETENTION, "laptops.md": "# Laptops\n\nReturn it.\n"})

    answer = rt.answers.answer("i'm leaving soon, how long does the peer feedback people wrote about me stick around?")

    assert not answer.no_answer and answer.citations[0].path == "retention.md"
    quote = answer.citations[0].snippet
    assert "System — What it holds — Retention period;" in quote, quote
    assert "Review tool — Peer feedback and self reviews — Deleted 90 days after someone leaves;" in quote, quote


@pytest.mark.parametrize("question, kinds", [
    ("how do I set up the printer?", {Ask.PROCEDURE}),
    ("how long do I have to file my expenses", {Ask.QUANTITY}),
    ("how do I get reimbursed and how fast?", {Ask.PROCEDURE, Ask.QUANTITY}),
    ("can I connect with google when I sign in?", set()),
    ("how often do passwords expire", {Ask.QUANTITY}),
    ("who do I tell about a lost badge", {Ask.CONTACT}),
    ("which slack channel is for IT help?", {Ask.CONTACT}),
    ("where do I find my pay stubs", {Ask.PLACE}),
    ("is jury duty paid?", set()),
    ("can i unlock the account myself or do i have to wait for IT?", {Ask.PROCEDURE}),  # how to, self-service
    ("the background check usually clears in a day or two, yeah?", {Ask.QUANTITY}),  # a figure put up to be confirmed
    ("career chats with my manager are a once-a-year thing, right?", {Ask.QUANTITY}),
    ("took 3 days off last week, where do i log them?", {Ask.PLACE}),  # a figure told, not put up to be confirmed
])
def test_what_a_question_asks_for(question: str, kinds: set[Ask]) -> None:
    assert asks(question) == kinds


def test_facts_are_recognised_by_their_shape() -> None:
    assert holds("Submit it within 5 business days.", Ask.QUANTITY)
    assert holds("Email benefits@larkspur.example.", Ask.CONTACT) and holds("Ask in #it-help.", Ask.CONTACT)
    assert holds("2. Click Connect.", Ask.PROCEDURE)
    assert not holds("Submit it soon.", Ask.QUANTITY) and not holds("Expenses need receipts.", Ask.CONTACT)


@pytest.mark.parametrize("sentence, amount", [
    ("Share it through 1Password, never in Slack.", False),
    ("Never use a string like abc123 as a password.", False),
    ("Your H-1B petition is filed by our law firm.", False),
    ("Use a passphrase of 15 characters or longer.", True),
    ("The help desk opens at 9am Pacific.", True),
    ("The crisis line answers 24/7.", True),
    ("Engineering and Product : 2.5yrs", True),  # a unit glued on, as lists and tables write it
    ("Keep receipts for 3mos after the trip.", True),
])
def test_a_number_counts_as_an_amount_only_standing_alone(sentence: str, amount: bool) -> None:
    """"How long must my password be?" gained the quantity bonus for "abc123" in the list of what not to do,
    and every sentence naming 1Password held "a number"."""
    assert holds(sentence, Ask.QUANTITY) is amount


@pytest.mark.parametrize("question, thing", [
    ("does the company offer pet insurance?", "pet insurance"),
    ("do we get any kind of sabbatical after 5 years?", "sabbatical"),
    ("hey, do we have a policy on bringing dogs to the office?", "bringing dogs"),
    ("is there a gym stipend", "gym stipend"),
    ("is there someone I can talk to about stress?", None),  # names no thing to look for
    ("the share button is greyed out for me in the wiki 🙄 any workaround?", None),  # asks how, names no thing
    ("is there a fix for the vpn dropping every hour?", None),
    ("do I have to use vacation days for jury duty?", None),  # "have to" is not "have"
    ("do i need receipts for everything or is there a dollar cutoff?", None),  # the ask is the first clause
    ("how do I request parental leave?", None),
    ("is there a cap on the learning budget per year?", None),  # asks how much, not whether a thing exists
    ("is there like a minimum amount of vacation we're supposed to take each yr?", None),  # the same after filler
    ("does the company cover kids' flights too when we relocate", "kids' flights"),  # "too" is not the thing
    ("does the company pay for my partner's visa when it sponsors mine", None),  # the asker's own: is it covered
    ("does the dental plan include braces for adults?", "braces"),
    ("does larkspur match donations to food banks", "donations"),
    ("will i get in trouble if i report my manager?", None),  # "get in": a phrasal verb, not a thing
    ("bought the tests at a pharmacy, not through the app. can i still get those back?", None),  # "get … back"
    ("can i run ubuntu as my main work machine instead of the mac?", None),  # asks leave to act, names no benefit
    ("do i get a gym stipend as a contractor?", "gym stipend"),  # "do I get X": X exists or not
    ("fostering two kids. do i get a separate 16 wks for each one?", None),  # an amount: how much, not whether
    ("do i get a fresh 25k now or is that already counted?", None),
    ("is there a 401k match?", "401k match"),  # a name with a number in it is no amount
    ("do we have a 3d printer for prototypes?", "3d printer"),
    ("is there a sabbatical after 5 yrs here?", "sabbatical"),  # the amount is past what X names
    ("do we get paid leave for jury duty?", "paid leave"),
    ("pay bands might drop... could my salary actually get cut if that happens?", None),  # done to the asker
    ("can i still get reimbursed for a receipt from march?", None),
    ("will i get laid off if the team is cut?", None),
    ("do we get paid holidays?", "paid holidays"),  # a participle before a noun names a thing
    ("the 15th is a sunday this month. do we get paid the friday before or the monday after?", None),  # a time
    ("used the moving money last year and i'm moving again. is there another round?", None),  # the same thing again
    ("her renewal isn't signed and she's out friday. who owns getting it over the line?", None),  # an act on it
    ("is there any bar on who can get paid medical leave here?", None),  # a condition: what the rule is
    ("an outside contributor opened a PR. any paperwork they need before we merge?", None),  # the steps asked
    ("new to options and lost on strike vs fmv. any beginner material people use?", None),  # reading on a topic
    ("do we have something like calendly for booking customer calls?", "calendly"),  # what it is like names it
    ("is there anything similar to a wellness day here?", "wellness day"),
    ("do we allow bringing kids to the office on school holidays?", "bringing kids"),  # a practice permitted
    ("my last job had nap pods on every floor. do we have anything like that?", "nap pods"),  # named where seen
    ("some companies give everyone a pet day off. is there anything like that here?", "pet day"),
    ("my previous employer ran a book club. does larkspur do anything like that?", "book club"),  # the company named
    ("is there anything like that here?", None),  # nothing named before it
    ("the vendor is late again. can we get tech ops to chase them?", None),  # someone asked to act
    ("can i get my manager to sign off on it today?", None),
    ("my inhaler isn't covered. can hr get the carrier to add it?", None),  # anyone asked to do a favour
    ("the plan caps at 12 weeks and i need 14. is there any route for the other two?", None),  # a how-word
    ("what if the ticket queue is down, is there a fallback?", None),
    ("does the style guide have an opinion on exclamation marks?", None),  # what the guide says, not a thing
    ("is there a length a passphrase should be?", None),  # a measure
    ("want a meditation app. is there one on our approved list?", None),  # one of a thing named before
    ("i don't want a hoodie. any option besides picking swag?", None),  # an alternative asked for
    ("is there a dental plan meant for people in hawaii?", "dental plan"),  # what it is for is cut off
    ("is there a docs linter (vale or similar) for the style rules?", "docs linter (vale"),  # docs names a kind
    ("is there a doc about the travel rules?", None),  # a part of the runbooks named in place of X
    ("do contractors get a laptop and the welcome kit?", None),  # two things: neither alone is X
    ("do interns get the same stipend as full-time staff?", None),  # X taken as had: whether it reaches them
    ("will the new contractor get a hoodie like everyone else?", None),
    ("promoted last week. do i get a fresh stipend at the new level?", None),  # again: X taken as had
    ("my reduced hours were approved. does it run indefinitely?", None),  # how, not a thing
    ("that spammer again. can it get blocked company-wide?", None),  # done to it, everywhere
    ("do we do a secret santa in december?", "secret santa"),  # chat's ways of asking whether X exists
    ("does the company do a winter closure?", "winter closure"),
    ("are we doing flu shots this fall?", "flu shots"),
    ("summer fridays a thing here?", "summer fridays"),
    ("any chance we have an espp? like buying stock at a discount", "espp"),
    ("costco membership perk?", "costco membership perk"),
    ("pto policy?", None),  # a bare name that is no benefit asks about it, not whether it exists
    ("does anyone do code reviews on weekends?", None),  # someone doing it is no thing the company has
    ("how do we do a rollback?", None),
    ("do i do the security training first?", None),
    ("any expenses older than how many days need finance approval?", None),  # a question of its own about X
    # Context first, then the question after a comma or a spaced dash, as chat writes it.
    ("worked all weekend on the migration, do we get a comp day for that?", "comp day"),
    ("uk based - do we have a salary sacrifice scheme?", "salary sacrifice scheme"),
    ("is a breast pump covered by our insurance?", "breast pump"),
    ("is critical illness insurance something we have?", "critical illness insurance"),
    ("is there anyone on the people team i can reach at night?", None),  # a vague word among the stop words
    ("my flight got cancelled, is there anyone i can call?", None),
    ("okta verify won't pop up, any quick fix before i file a ticket?", None),  # asks how, with a word before
    ("new here, is there like a recommended minimum amount of vacation?", None),  # asks how much
    ("new here 👋 is there like a recommended amount of vacation per year?", None),
    ("my pr is ~1200 lines 😅 is there a rule of thumb for when to break it up?", None),  # asks what the rule is
    ("resigning, what do i email people team, is there a set format?", None),
    ("thinking of a team move, could my pay actually go down?", None),  # "my pay" is no one who could offer X
    ("want to mail a get well card, can hr give me their home address?", None),  # someone else's
    ("renewal is due, can i get it reimbursed?", None),  # X was named earlier
    ("heading abroad, does our health insurance cover me there or nah", None),
    ("my laptop arrived, can i get jamf off my personal mac now?", "jamf"),  # "get X off": X alone
    ("a friend found a bug, do we run a bug bounty they can submit to?", "bug bounty"),
    ("started in november, do i get a perf review this cycle?", "perf review"),
    ("can i expense a gaming laptop?", "gaming laptop"),  # named whole, judged by its kind (below)
    ("found an old receipt, can i still expense it?", None),  # X was named earlier
    ("still paying off grad school, does the company offer any help with student loan repayment?",
     "student loan repayment"),  # the help is vague: what it is with names X
    ("moving abroad with kids, does the company offer any kind of help finding schools when we relocate?",
     "finding schools"),  # help doing something: the doing names X
    ("any chance we offer a dependent care fsa?", "dependent care fsa"),  # not "chance"
    ("any chance larkspur pays for a headspace subscription?", "headspace subscription"),
    ("any chance the wifi is down again?", None),
    ("is there an actual human at maven i can message?", None),  # someone to talk to: how, not a thing
    ("do i get any say in what my teammates are told?", None),  # idioms name no thing
    ("he says he was drunk. does that get him off the hook?", None),
    ("joined in june. do i have enough tenure for the equity refresh?", None),  # whether a measure is met
    ("the browser offers to save my work passwords. any reason not to say yes?", None),  # a caution, not a thing
    ("i'd put the client's name in the script's filename. any issue?", None),
    ("if i report a leak, does it get discussed around the office?", None),  # done to it: a participle, not a thing
    ("back from two weeks off. do we have a habit for catching people up?", None),  # a practice: how, not a thing
    ("can i get just mine synced to my calendar?", None),  # "mine": a thing named before
    ("our retro keeps going in circles. any documented format we could try?", None),  # a custom: how, not a thing
    ("i'd like the execs to weigh in on my idea. is there a proper place for that?", None),  # where, not a thing
    ("new notes doc every week is messy. is there a standard way people do this?", None),  # "people do…": a clause
    ("want to lower my 401k %. is there a window for that or can i change it whenever?", None),  # when, not a thing
    ("want a seat just for me. is there some flow in a tool?", None),
    ("i already hold more options than the target. do i just get zero new options then?", None),  # how many
    ("is there always something softer first?", None),  # "always": how often, then a vague word
    ("new manager here. is there any structured training for people leads?", "structured training"),
    ("do we get paid holidays?", "paid holidays"),  # a participle before a noun names a thing
    ("the 15th is a sunday this month. do we get paid the friday before or the monday after?", None),  # a time
    ("used the moving money last year and i'm moving again. is there another round?", None),  # the same thing again
    ("her renewal isn't signed and she's out friday. who owns getting it over the line?", None),  # an act on it
    ("is there any bar on who can get paid medical leave here?", None),  # a condition: what the rule is
    ("on call over the holidays, do we get a day in lieu for it?", "day in lieu"),  # one name, not "day"
    ("does the conduct policy cover things that happen at a team dinner?", None),  # a clause, not "happen"
    ("is there an all hands the first week of january?", "all hands"),  # not "hands the first week of january"
    ("any hackathon between the holidays?", "hackathon"),
    ("is there a company meeting the week after thanksgiving?", "meeting"),
    ("lost my badge, is there a spare somewhere at the front desk?", "spare"),  # where it is: not X
    ("is there a parking map anywhere?", "parking map"),
    ("will there be a vegan option at the holiday party?", "vegan option"),  # what will be: the same ask
    ("are there going to be flu shots at the office this year?", "flu shots"),
    ("is there even a bike rack?", "bike rack"),  # how the asker expects it to stand: not X
    ("moving countries. is there a standard package of relocation services?", "standard relocation services"),
    ("is there a ratio of reviewers to authors?", None),  # a measure: how many
    ("if my leave is approved, do i get exactly that?", None),  # "exactly": how it stands, then a thing named before
    ("does the company do anything for world mental health day?", "world mental health day"),  # what it is done for
    ("are we doing something special for lunar new year?", "lunar new year"),
    ("does tech ops do laptop engraving?", "laptop engraving"),  # a team of two words doing it
])
def test_the_thing_a_do_we_have_question_asks_about(question: str, thing: str | None) -> None:
    assert asked_thing(question) == thing


@pytest.mark.parametrize("question, judged", [
    ("can i expense a windows gaming laptop?", "laptop"),  # the runbooks name kinds, not models
    ("on a work trip, can we claim hotel laundry?", "laundry"),
    ("on the long flight, i can expense a wifi pass?", "pass"),  # uninverted, judged the same way
    ("does the company offer pet insurance?", "pet insurance"),  # other shapes are judged whole
    ("the bank charged me $35. can i expense the overdraft fee?", "overdraft fee"),  # a fee: by what it is for
    ("can i expense part of my electricity bill since i wfh?", "electricity bill"),
    ("can i expense the whole bill or only my part?", "bill"),  # how much of it, not what for
])
def test_what_one_would_expense_is_judged_by_its_kind(question: str, judged: str) -> None:
    assert asked_thing(question, judged=True) == judged


def not_found_and_answered(runtime: Runtime, absent: tuple[str, str], named: tuple[str, str]) -> None:
    """The first question (and the thing it names) is not found with the closest sections listed; the second is
    answered with a quote that says the word given."""
    answer = runtime.answers.answer(absent[0])
    assert answer.no_answer and f"*{absent[1]}*" in answer.text.splitlines()[0] and answer.citations
    answer = runtime.answers.answer(named[0])
    assert not answer.no_answer and named[1] in " ".join(citation.snippet for citation in answer.citations)


@pytest.mark.parametrize("question, thing", [
    ("working overnight for apac coverage. is there any extra pay for night hours?", "pay for night hours"),
    ("does the company give any paid time for volunteering?", "paid time for volunteering"),
    ("is there an employee discount on antivirus for home computers?", "discount on antivirus"),
    ("do we get any paid days for jury service?", "paid days for jury service"),
    ("is there a day off for voting?", "day off for voting"),
    ("do we have a stipend for a home security system for wfh folks?", "stipend for a home security system"),
    ("referred my friend and he got an offer, do i get a bonus for that?", "bonus"),  # what "that" is, the page says
    ("is there any budget for a desk + chair for wfh?", "budget"),  # a budget names its own use
    ("tax season 🙃 do we get free access to turbotax through work?", "access to turbotax"),
    ("is there a company subscription to headspace?", "subscription to headspace"),
    ("do we get a membership at a coworking space?", "membership at a coworking space"),
])
def test_pay_or_a_stipend_is_named_with_what_it_is_for(question: str, thing: str) -> None:
    assert asked_thing(question) == thing


def test_pay_for_something_the_runbooks_never_name_is_not_found_and_an_allowance_they_name_is_answered(
        example_runtime: Runtime) -> None:
    not_found_and_answered(example_runtime, ("is there any extra pay for night shifts?", "pay for night shifts"),
                           ("is there a stipend for internet at home?", "internet"))


def test_an_expense_the_runbooks_never_name_is_not_found_and_one_of_a_kind_they_name_is_answered(
        example_runtime: Runtime) -> None:
    assert not example_runtime.store.mentions("ultrawide"), "the modifier must be one the runbooks never say"

    not_found_and_answered(example_runtime, ("on a work trip, can i expense hotel laundry?", "hotel laundry"),
                           ("can i expense a curved ultrawide monitor for my home office?", "monitor"))


@pytest.mark.parametrize("question, thing", [
    ("pls send me the military leave policy, i have reserve training in june", "military leave"),
    ("dm me the lasik discount code from our vision plan pls", "lasik discount"),  # what the code is for
    ("need the enrollment link for our prepaid legal plan so i can get a will drawn up", "prepaid legal plan"),
    ("looking for whoever does notarizing at the office", "notarizing"),
    ("sign me up for the bystander intervention workshop pls", "bystander intervention workshop"),
    ("can someone send me the link to claim our free 1password families account", "1password families account"),
    ("point me to where policy violations get reported", None),  # a question of its own
    ("pls send me what to tell her", None),
    ("looking for the part of the policy about people outside the company", None),  # a topic in the asker's words
    ("need a sitter while i'm at the offsite", None),  # a need the runbooks may meet in words of their own
    ("book me a spot at the company flu shot clinic this fall", "flu shot clinic"),  # what the spot is at
    ("pls send me the reimbursement form for the kids' summer camp", "kids' summer camp"),
    ("sign me up for whatever menopause support we have", None),  # the asker does not know what it is called
    ("pls send me the bit about reconstruction after surgery", None),  # a part of the runbooks, on a topic
])
def test_the_thing_a_request_asks_for(question: str, thing: str | None) -> None:
    assert asked_thing(question) == thing


@pytest.mark.parametrize("question, thing", [
    ("sourcegraph has some corporate gym membership like urban sports club?", "corporate gym membership"),
    ("i would like a break from my team. there is a secondment program?", "secondment program"),
    ("the company matches donations to charity?", "donations"),
    ("in france we have ticket restaurant. larkspur gives meal vouchers for working from home?", "meal vouchers"),
    ("there are layoff rumours going around, is my team on the list?", None),  # a statement, then a question
    ("inflation has been brutal lately, are our raises pegged to it?", None),
    ("somebody has to check the design?", None),
])
def test_a_do_we_have_question_asked_without_inverting_names_its_thing(question: str, thing: str | None) -> None:
    """Chat, and many who write English as a second language, ask "we have X?" and "there is X?" as often as
    "do we have X?" and "is there X?"."""
    assert asked_thing(question) == thing


@pytest.mark.parametrize("question, thing", [
    ("relocating: do we get that paid trip to check out the new city before moving?", "paid trip"),
    ("sign me up for those leadership classes everyone keeps mentioning", "leadership classes"),
    ("is there that one slack bot for pto?", "slack bot"),
    ("can i still get that money back?", None),  # "that" points back at what was said before
    ("is that even covered by the policy?", None),
    ("do we have this week off?", None),  # when, not what
    ("does the company do that thing where they plant trees?", None),  # the asker does not know what it is
    ("for a trip abroad, does tech ops hand out a throwaway phone?", "throwaway phone"),
    ("does IT give out an esim for work trips?", "esim"),
])
def test_a_thing_half_remembered_or_handed_out_is_named(question: str, thing: str | None) -> None:
    """"That X where…", "those X everyone mentions": X is named and then described; "that X?" alone points back."""
    assert asked_thing(question) == thing


@pytest.mark.parametrize("question, thing", [
    ("is fertility coverage one of our benefits?", "fertility coverage"),
    ("does the company contribute to a pension for uk staff?", "pension"),
    ("does the company contribute to my 401k?", None),  # the asker's own: whether it is covered, in any words
    ("can tech ops send me a webcam cover?", "webcam cover"),
    ("will the company ship us a holiday gift box?", "holiday gift box"),
])
def test_a_perk_asked_after_its_name_or_sent_by_a_team_is_named(question: str, thing: str | None) -> None:
    """"Is X one of our perks?", "does the company contribute to X?", "can tech ops send me X?" ask whether X exists."""
    assert asked_thing(question) == thing


@pytest.mark.parametrize("question, thing", [
    ("pretty sure we get a gym stipend too, right?", "gym stipend"),
    ("just confirming: we have a secondment program, yeah?", "secondment program"),
    ("tech ops ships you a hotspot for work trips, right?", "hotspot"),
    ("hotel laundry is reimbursable on long trips, i think?", "hotel laundry"),
    ("in-flight wifi is something we can claim back, correct?", "in-flight wifi"),
    ("everyone gets a holiday gift box in december, right?", "holiday gift box"),
    ("there's a phased retirement option where you go part-time first, right?", "phased retirement option"),
    ("there's no payroll for contractors so how do we get paid?", None),  # says what is not there, then asks how
    ("we get 20 days of pto, right?", None),  # an amount: how much, which the runbooks word their own way
    ("so onboarding buddies are optional, yeah?", None),
    ("pretty sure expenses are due by the 5th, correct?", None),
])
def test_a_belief_put_up_to_be_confirmed_names_what_it_says_we_have(question: str, thing: str | None) -> None:
    """"We get X too, right?" asks whether X exists as "do we get X?" does; a belief about a rule or an amount
    does not."""
    assert asked_thing(question) == thing


def test_a_belief_about_a_thing_never_written_down_is_not_found(example_runtime: Runtime) -> None:
    assert not example_runtime.store.mentions("gym"), "the thing must be one the runbooks never say"

    not_found_and_answered(example_runtime,
                           ("pretty sure we get a gym membership stipend too, right?", "gym membership stipend"),
                           ("we get a one-time home office setup stipend, right?", "setup stipend"))


@pytest.mark.parametrize("question, thing", [
    ("getting married in october 💍 how many days of wedding leave do we get on top of pto?", "wedding leave"),
    ("how many paid volunteer days do we get per year?", "volunteer days"),
    ("how many weeks of temporary housing does the company cover when you relocate?", "temporary housing"),
    ("our little one starts daycare soon. what's the monthly childcare stipend we get?", "childcare stipend"),
    ("how much is the yearly wellness stipend?", "wellness stipend"),
    ("got let go this week. how many days do i get to ship the laptop back?", None),  # a deadline, not a thing
    ("how many coworkers do i get to pick for my review?", None),  # how many one may choose: leave, not a thing
    ("how much does the company give for my phone bill?", None),  # what follows the verb is the asker's own
    ("how many hours of overtime can i work?", None),  # a limit on what the asker does, not a thing given
    ("what's the wifi password at the office?", None),  # asks for a fact, not an amount of something given
])
def test_asking_how_much_of_a_thing_we_get_names_the_thing(question: str, thing: str | None) -> None:
    """"How many days of X do we get?" and "what's the monthly X stipend?" take X for granted as "do we get X?"
    asks whether it exists: when the runbooks never name X, the honest answer is that they do not."""
    assert asked_thing(question) == thing


def test_an_amount_of_a_thing_never_written_down_is_not_found(example_runtime: Runtime) -> None:
    assert not example_runtime.store.mentions("wedding"), "the thing must be one the runbooks never say"

    not_found_and_answered(example_runtime,
                           ("getting married in june! how many days of wedding leave do we get?", "wedding leave"),
                           ("whats the monthly connectivity allowance?", "allowance"))


@pytest.mark.parametrize("question, thing", [
    ("canadian teammate here, who administers the group RRSP?", "group RRSP"),
    ("who's the admin on our apple developer account? need a signing cert", "apple developer account"),
    ("who runs the end-of-year secret santa, and what channel do people sign up in?", "end-of-year secret santa"),
    ("where do i sign up for pre-tax commuter benefits?", "pre-tax commuter benefits"),
    ("adopting a puppy. can i sign up for pet insurance through our benefits?", "pet insurance"),
    ("can i sign up for the 401k right away or is there a waiting period?", "401k"),  # when, not whether
    ("could we opt into a legal plan at enrollment?", "legal plan"),
    ("who do i tell about a lost badge?", None),  # a route for something that happened, not a thing owned
    ("where do i find the expense policy?", None),  # finding a page the runbooks may title otherwise
])
def test_asking_who_owns_a_thing_or_where_to_sign_up_for_it_names_the_thing(question: str, thing: str | None) -> None:
    """"Who runs X?", "where do i sign up for X?" and "can i sign up for X?" take X for granted as "do we have X?"
    does: when the runbooks never name X, nobody owns it there and nobody signs up for it."""
    assert asked_thing(question) == thing


def test_an_owner_of_a_thing_never_written_down_is_not_found(example_runtime: Runtime) -> None:
    assert not example_runtime.store.mentions("stock"), "the thing must be one the runbooks never say"

    not_found_and_answered(example_runtime, ("who manages the employee stock purchase plan?", "stock purchase plan"),
                           ("who administers the group RRSP in canada?", "Northstar"))


@pytest.mark.parametrize("question, thing", [
    ("does sg help with student loan repayments at all? my old job matched payments", "student loan repayments"),
    ("cracked my phone screen. will the company chip in for the screen repair?", "screen repair"),
    ("could i work two days a week during leave? would really help with our daycare gap", None),  # a statement
])
def test_asking_whether_the_company_helps_with_a_thing_names_the_thing(question: str, thing: str | None) -> None:
    """"Does the company help with / chip in for X?" asks whether X is offered, as "does it pay for X?" does."""
    assert asked_thing(question) == thing


@pytest.mark.parametrize("question, thing", [
    ("how do i order business cards before a conference?", "business cards"),
    ("visiting the office next week, what's the process to book a meeting room?", "meeting room"),
    ("how do i sign up for the company classpass membership?", "classpass membership"),
    ("how do i order a replacement laptop once i'm eligible for a refresh?", "replacement laptop"),
    ("how do i get recording rights in loom?", None),  # getting a right granted: a route, not a thing to order
    ("how do i set up the vpn on my new laptop?", None),  # a procedure for what the asker has
])
def test_asking_how_to_order_or_book_a_thing_names_the_thing(question: str, thing: str | None) -> None:
    """"How do I order / book / sign up for X?" takes X for granted as "do we have X?" does; other procedures ask how
    to do something with what the asker has, which the runbooks word their own way."""
    assert asked_thing(question) == thing


@pytest.mark.parametrize("question, thing", [
    ("reviewer left PTAL on my PR. what does PTAL mean, do i need to do something?", "PTAL"),
    ("what is a RACI? a pm asked me to fill one in", "RACI"),
    ("what's a \"duvet day\"? uk colleague is taking one", "duvet day"),
    ("what does SCIM stand for", "SCIM"),
    ("what does below band usually mean", "band"),  # "below" joins, as in "a bonus below target"
    ("what do ppl mean by \"the scaled team\"?", None),  # what follows "mean by" is the term: left to retrieval
    ("what's the pto policy?", None),  # a plain "what's X?" asks about X, not what a term means
    ("what does that mean?", None),
])
def test_asking_what_a_term_means_names_the_term(question: str, thing: str | None) -> None:
    """"What does X mean?" and "what's a RACI?" (an acronym in capitals, or a quoted term) ask about a term the asker
    met: runbooks that never say it cannot define it."""
    assert asked_thing(question) == thing
    assert asks_meaning(question) == (thing is not None)


def test_a_term_the_runbooks_never_say_is_not_found_and_one_they_say_is_answered(example_runtime: Runtime) -> None:
    assert not example_runtime.store.mentions("ptal"), "the term must be one the runbooks never say"

    not_found_and_answered(example_runtime, ("reviewer left PTAL on my PR. what does PTAL mean?", "PTAL"),
                           ("what does MFA mean? the vpn page keeps saying it", "MFA"))
    answer = example_runtime.answers.answer("reviewer left PTAL on my PR. what does PTAL mean?")
    assert "what it means" in answer.text.splitlines()[0], "a term asked about is not a thing we might have"


def test_a_replacement_device_is_about_the_device_and_a_kind_of_device_about_the_kind() -> None:
    """"A replacement laptop" is a laptop, however the runbooks word its replacing ("refresh"); "a windows laptop"
    is Windows, which a page on laptops may never allow."""
    page = ["Laptops are refreshed every three years: tech ops ships the new one."]

    assert not unmentioned("replacement laptop", page)
    assert unmentioned("windows laptop", page)


def test_a_word_saying_how_settled_or_whose_a_thing_is_need_not_be_written() -> None:
    """"An *outside* firm for visa cases" is met by the section naming the firm, which never says "outside"; the
    thing itself must still be there."""
    page = ["Q. Does the company have an immigration attorney or firm? Yes: ask People Ops for an introduction."]

    assert not unmentioned("outside firm", page)
    assert unmentioned("outside recruiter", page)
    assert not unmentioned("structured training", ["Managers get leadership training through Hone."])
    assert not unmentioned("shorter address", ["Teammates whose names are longer than average can ask Tech Ops for "
                                               "an alternative email address."])  # how X should differ, not which


def test_leave_of_a_kind_is_met_by_the_time_off_the_runbooks_list_it_under() -> None:
    """"Is there bereavement leave?" is answered by the section listing bereavement among the reasons to take time
    off, which never says "leave"; a kind of leave that section never names is still not there."""
    page = ["Life: you may need time off for things that are not restful: caring for a family member, bereavement, "
            "jury duty or voting."]

    assert not unmentioned("separate bereavement leave", page)
    assert not unmentioned("bereavement leave", ["Bereavement: take the PTO you need."])
    assert unmentioned("military leave", page)
    assert unmentioned("bereavement leave", ["Bereavement flowers are sent by the People team."])


def test_a_thing_to_book_never_written_down_is_not_found_and_a_replacement_device_is_answered(
        example_runtime: Runtime) -> None:
    assert not example_runtime.store.mentions("cabin"), "the thing must be one the runbooks never say"

    not_found_and_answered(example_runtime, ("how do i book the company ski cabin for a team weekend?", "ski cabin"),
                           ("how do i order a replacement laptop? mine was stolen", "replacement"))


@pytest.mark.parametrize("question, thing", [
    ("my report wants three weeks off in a row. is there an extra sign-off for that much time?", None),
    ("is there any sign-off from finance for a conference trip?", None),
    ("is there a sign-off sheet for returning equipment?", "sign-off sheet"),
    ("our intern's laptop is an older model. did tech ops get the order wrong?", None),
    ("did people ops get the start date right?", None),
    ("do we get a fixed stipend for internet?", "fixed stipend"),
    ("started in july. is there a tenure requirement for the equity refresh?", None),
    ("the welcome email wants a video of me. any specs for how to film it?", None),
    ("is there a threshold where i have to give someone a heads up first?", None),
    ("coming back from leave, is there any kind of earnings floor for the first months?", None),
])
def test_asking_whether_a_step_is_needed_or_a_thing_was_done_right_names_nothing(question: str,
                                                                                 thing: str | None) -> None:
    """"Is there a sign-off for…?" asks whether approval is needed; "did they get X wrong?" asks what was done to X:
    the runbooks answer both in words of their own, so neither is judged "not found"."""
    assert asked_thing(question) == thing


def test_a_thing_never_written_down_is_not_found_asked_without_inverting(example_runtime: Runtime) -> None:
    answer = example_runtime.answers.answer("larkspur offers pet insurance for the dog?")

    assert answer.no_answer and "*pet insurance*" in answer.text.splitlines()[0] and answer.citations


def test_a_request_for_a_thing_never_written_down_is_not_found_and_one_for_a_thing_written_down_is_answered(
        example_runtime: Runtime) -> None:
    assert not example_runtime.store.mentions("lasik"), "the thing must be one the runbooks never say"

    not_found_and_answered(example_runtime,
                           ("dm me the lasik discount code from our vision plan pls", "lasik discount"),
                           ("pls send me the military leave policy, i have reserve training in june", "military pay"))


def test_do_we_have_something_never_written_down_is_not_found_with_the_closest_sections(
        example_runtime: Runtime) -> None:
    answer = example_runtime.answers.answer("does larkspur offer pet insurance as one of the benefits?")

    assert answer.no_answer and not answer.escalated
    assert "pet insurance" in answer.text.splitlines()[0] and "couldn't find" in answer.text
    assert answer.citations, "the closest sections are still listed"
    assert "[1]" in answer.text


@pytest.mark.parametrize("question, thing", [
    ("summer fridays a thing here? would love a shorter week off", "summer fridays"),
    ("do we do a summer shutdown week where everyone takes vacation?", "summer shutdown week"),
    ("back from parental leave soon, is a breast pump covered by the health plan?", "breast pump"),  # "is X covered"
    ("worked all weekend on the release, do we get a comp day for it?", "comp day"),  # the question after a comma
    ("new parent here - do we have a lactation room stipend?", "lactation room stipend"),  # after a spaced dash
    ("is there a coworking stipend (wework or similar) for remote folks?", "coworking stipend (wework)"),  # aside closed
])
def test_chat_ways_of_asking_do_we_have_are_not_found_when_the_runbooks_never_say_it(
        example_runtime: Runtime, question: str, thing: str) -> None:
    """Retrieval finds the holidays and time-off pages for these, which used to be quoted as if they answered."""
    answer = example_runtime.answers.answer(question)

    assert answer.no_answer and not answer.escalated
    assert f"*{thing}*" in answer.text.splitlines()[0] and answer.citations


def test_a_chat_do_we_do_question_about_what_the_runbooks_have_is_answered(example_runtime: Runtime) -> None:
    answer = example_runtime.answers.answer("does the company do a winter closure?")

    assert not answer.no_answer and "December 24" in answer.citations[0].snippet


def test_do_we_have_something_said_in_chat_words_is_judged_in_the_runbooks_words(example_runtime: Runtime) -> None:
    assert not example_runtime.store.mentions("wfh"), "the runbooks must say it another way for this test"

    answer = example_runtime.answers.answer("do we get a wfh stipend?")

    assert not answer.no_answer and answer.citations[0].path == "hr/remote-work-and-home-office.md"


@pytest.mark.parametrize("question, thing, more", [
    ("does our plan cover acupuncture? who can tell me what else it pays for", "acupuncture", False),  # "it": X
    ("does our plan cover acupuncture? who do i ask about my claims", "acupuncture", True),
    ("is there a chess club? how do i join", "chess club", False),  # joining it
    ("do we get lunch credits on wfh days? how much a week if so?", "lunch credits", False),  # "if so": X's amount
    ("do we have pet insurance? my dog keeps eating socks", "pet insurance", False),  # no second ask
    ("money's tight 😬 can i get an advance on my paycheck?", "advance", False),  # the ask after the chat is X's
])
def test_a_message_asking_something_else_too_is_not_judged_by_its_do_we_have_clause(question: str, thing: str,
                                                                                  more: bool) -> None:
    """"Not found" answers the "do we have X?" clause only; a second ask of its own still needs an answer."""
    assert asked_thing(question) == thing
    assert another_ask(question, thing) is more


def test_do_we_have_something_the_runbooks_cover_is_answered(example_runtime: Runtime) -> None:
    """Answered with the program's number and its page cited; the bereavement page, whose contacts give the
    same line, may lead it (`bot.answer.compose.by_answering`)."""
    answer = example_runtime.answers.answer("is there an employee assistance program I can call?")

    assert not answer.no_answer
    assert "hr/employee-assistance-program.md" in [citation.path for citation in answer.citations]
    assert "1-800-555-0142" in answer.citations[0].snippet


def _chunk(ordinal: int, section: str, text: str, similarity: float) -> Result:
    return Result(id=f"expenses-{ordinal}", doc_id="local:hr/expenses.md", source="local", title="Expenses",
                  url="file:///hr/expenses.md", path="hr/expenses.md", section=section, anchor=section.lower(),
                  text=text, updated_at=None, similarity=similarity, score=similarity)


EXPENSES = [
    _chunk(0, "Claiming", "Expense reports go through Ledger. Attach an itemised receipt for every claim you make.", 0.62),
    _chunk(1, "Approval", "Your manager approves each expense report in Ledger before Finance pays it.", 0.58),
    _chunk(2, "Cards", "Company cards are issued by Finance on request. Lost cards are frozen in Ledger.", 0.31),
    _chunk(3, "Deadlines", "Expense reports must be filed within 30 days of the expense. Later ones need a "
                           "director's approval.", 0.44),
]


def test_the_fact_in_the_lead_documents_unretrieved_section_is_quoted_after_what_retrieval_found() -> None:
    """Retrieval keeps two chunks a document; the deadline sits in the page's third-best one."""
    question = "how long do I have to file an expense report?"
    retrieved = EXPENSES[:2]

    without = citations_for(question, retrieved, limit=5)
    cited = citations_for(question, retrieved, limit=5, documents=lambda ids: {d: EXPENSES for d in ids})

    assert not any("30 days" in citation.snippet for citation in without)
    assert [citation.section for citation in cited] == ["Claiming", "Approval", "Deadlines"]
    assert "within 30 days" in cited[2].snippet


def test_a_lead_document_retrieved_by_one_chunk_is_quoted_from_its_next_best_section_too() -> None:
    """One retrieved chunk of the lead is often the section beside the fact; its page's best other chunk
    is quoted with it even when that chunk scores lower. Other documents keep one quote."""
    question = "how long do I have to file an expense report?"
    other = _other("travel.md", "Book trips in Navigo.", 0.5)
    pages = {EXPENSES[0].doc_id: EXPENSES, other.doc_id: [other, replace(other, id="travel-1", text="Trips over "
                                                                       "$500 need approval 14 days ahead.")]}

    cited = citations_for(question, [EXPENSES[0], other], limit=5, documents=lambda ids: {d: pages[d] for d in ids})

    assert [citation.section or citation.path for citation in cited] == ["Claiming", "Deadlines", "travel.md"]
    assert "within 30 days" in cited[1].snippet
    assert "14 days" not in cited[2].snippet


def test_a_section_retrieval_missed_is_not_quoted_when_what_it_found_answers_better() -> None:
    question = "who approves my expense report before it gets paid?"

    cited = citations_for(question, EXPENSES[:2], limit=5, documents=lambda ids: {d: EXPENSES[:3] for d in ids})

    assert [citation.section for citation in cited] == ["Claiming", "Approval"]


def _other(doc: str, text: str, similarity: float) -> Result:
    return Result(id=f"{doc}-0", doc_id=f"local:{doc}", source="local", title=doc, url=f"file:///{doc}", path=doc,
                  section="", anchor="", text=text, updated_at=None, similarity=similarity, score=similarity)


def test_citations_stay_within_the_limit_that_slack_and_teams_show_and_three_documents_keep_a_place() -> None:
    """The citations stop at `limit`: a sixth would be a quote no surface shows (they list five sources). Within it,
    the third document is cited before the lead's third place (`MIN_SOURCES`): it was the cut one that often
    answered."""
    question = "how long do I have to file an expense report?"
    retrieved = [*EXPENSES[:2], _other("travel.md", "Book trips in Navigo.", 0.5),
                 _other("cards.md", "Card spend is reconciled monthly.", 0.45)]

    def shown(limit: int) -> list[str]:
        cited = citations_for(question, retrieved, limit=limit, documents=lambda ids: {
            d: [c for c in [*EXPENSES, *retrieved] if c.doc_id == d] for d in ids})
        return [citation.section or citation.path for citation in cited]

    assert shown(4) == ["Claiming", "Approval", "travel.md", "cards.md"]
    assert shown(5) == ["Claiming", "Approval", "Deadlines", "travel.md", "cards.md"]


def test_a_copied_page_is_not_quoted_twice_and_the_next_source_takes_its_place() -> None:
    """Wikis copy pages (a policy under a team's space and again under benefits): the second copy's
    quote would repeat the first word for word, in markup of its own."""
    question = "who approves my expense report?"
    copy = _other("finance/expenses-copy.md", "Your manager approves each **expense report** in Ledger before "
                                              "Finance pays it.", 0.57)
    retrieved = [EXPENSES[1], copy, _other("travel.md", "Book trips in Navigo.", 0.5),
                 _other("cards.md", "Card spend is reconciled monthly.", 0.45)]

    cited = citations_for(question, retrieved, limit=3)

    assert [citation.path for citation in cited] == ["hr/expenses.md", "travel.md", "cards.md"]


def test_the_page_whose_own_sentences_answer_leads_the_one_retrieval_ranked_first() -> None:
    """Retrieval ranks chunks by their headings and words too; the lead, which gets the longest quotes, is the
    page whose stored sentences come closest to the question. Without stored vectors retrieval's order stands."""
    question = "my teammate's father died, is there a budget to send flowers?"
    travel = _other("travel.md", "Each teammate has $150 a quarter to spend on local meetups with the team.", 0.7)
    celebrate = _other("celebrate.md", "We do not have a budget for life events such as a death in the family.", 0.6)
    near = {travel.doc_id: 0.3, celebrate.doc_id: 0.8}

    def read(chunk: Result) -> Result:
        sentences = sentences_of(chunk.text)
        vectors = np.full((len(sentences), 4), near[chunk.doc_id], dtype=np.float32)
        return replace(chunk, stored=((chunk.text, sentence_vectors.pack(sentences, vectors)),))

    bare = citations_for(question, [travel, celebrate], limit=5, scorer=by_stored_vector,
                         documents=lambda ids: {d: [c for c in (travel, celebrate) if c.doc_id == d] for d in ids})
    ordered = citations_for(question, [travel, celebrate], limit=5, scorer=by_stored_vector,
                            documents=lambda ids: {d: [read(c) for c in (travel, celebrate) if c.doc_id == d]
                                                   for d in ids})

    assert [citation.path for citation in bare] == ["travel.md", "celebrate.md"]
    assert [citation.path for citation in ordered] == ["celebrate.md", "travel.md"]


def test_a_page_whose_title_the_question_names_moves_ahead_of_a_slightly_better_match() -> None:
    question = "is there an employee assistance program?"
    contacts = _other("contacts.md", "Call the assistance line any time.", 0.7)
    program = replace(_other("eap.md", "Free, confidential counselling for you and your household.", 0.65),
                      title="Employee Assistance Program")

    cited = citations_for(question, [contacts, program], limit=5)
    unnamed = citations_for(question, [contacts, replace(program, title="eap.md")], limit=5)

    assert [citation.path for citation in cited] == ["eap.md", "contacts.md"]
    assert [citation.path for citation in unnamed] == ["contacts.md", "eap.md"]


def _leave_step(ordinal: int, step: str, text: str, similarity: float) -> Result:
    section = f"Requesting leave › {step}"
    return replace(_chunk(ordinal, section, text, similarity), id=f"leave-{ordinal}", doc_id="local:hr/leave.md",
                   title="Leave", url="file:///hr/leave.md", path="hr/leave.md")


LEAVE_STEPS = [
    _leave_step(0, "Step 1: Tell your manager", "Tell your manager about your leave at least a month ahead. "
                                                "Agree on who covers your work.", 0.61),
    _leave_step(1, "Step 2: File the request", "Open a leave case in Harbor from the HR portal. "
                                               "Pick the leave type and your dates.", 0.44),
    _leave_step(2, "Step 3: Before you go", "Set your out-of-office reply. Hand over your open tickets.", 0.40),
]
"""A procedure written as headed sections, one step each, as many handbooks write leave requests."""


def test_a_procedure_written_as_step_sections_is_quoted_as_its_outline() -> None:
    question = "already told my manager, how do i officially kick off my leave?"

    cited = citations_for(question, LEAVE_STEPS[:1], limit=5, documents=lambda ids: {d: LEAVE_STEPS for d in ids})

    lead = cited[0].snippet
    assert lead.index("Step 1: Tell your manager") < lead.index("Step 2: File the request — Open a leave case in Harbor") \
        < lead.index("Step 3: Before you go"), lead
    assert cited[0].url == LEAVE_STEPS[0].link


def test_steps_are_outlined_only_for_a_procedure() -> None:
    cited = citations_for("how far ahead should my manager hear about my leave?", LEAVE_STEPS[:1], limit=5,
                          documents=lambda ids: {d: LEAVE_STEPS for d in ids})

    assert "Step 2" not in cited[0].snippet and "a month ahead" in cited[0].snippet


def stored(chunk: Result, answer: Result) -> Result:
    """`chunk` with stored sentence vectors whose first component says how well it answers: high for `answer`."""
    sentences = sentences_of(chunk.text)
    vectors = np.full((len(sentences), 4), 0.9 if chunk is answer else 0.1, dtype=np.float32)
    return replace(chunk, stored=((chunk.text, sentence_vectors.pack(sentences, vectors)),))


def by_stored_vector(question: str, chunks: list[list[str]], known) -> list[list[float]]:  # noqa: ANN001
    """A sentence scorer that reads only the stored vectors (0 for a sentence without one)."""
    return [[float(known[sentence][0]) if sentence in known else 0.0 for sentence in sentences] for sentences in chunks]


def test_with_stored_sentence_vectors_every_chunk_of_the_lead_document_competes() -> None:
    """Without stored vectors only four unretrieved chunks are scored (two by meaning, two by words); with
    them all are, so a section that neither shares the question's words nor leads by chunk similarity is found."""
    question = "how long do I have to file an expense report?"
    filler = [_chunk(4 + n, f"Notes {n}", f"Expense report note {n}: expense report report file.", 0.5)
              for n in range(4)]
    answer = _chunk(9, "Timing", "Submit claims within 30 days of the purchase.", 0.1)
    page = [*EXPENSES[:2], *filler, answer]

    bare = citations_for(question, EXPENSES[:2], limit=5, scorer=by_stored_vector,
                         documents=lambda ids: {d: page for d in ids})
    read = citations_for(question, EXPENSES[:2], limit=5, scorer=by_stored_vector,
                         documents=lambda ids: {d: [stored(chunk, answer) for chunk in page] for d in ids})

    assert "Timing" not in [citation.section for citation in bare]
    assert [citation.section for citation in read][-1] == "Timing" and "30 days" in read[-1].snippet


def test_a_section_whose_heading_names_what_is_asked_wins_the_quote_over_one_a_little_closer_in_meaning() -> None:
    """A chunk's sentences need not repeat its heading: among chunks the model finds about as close, the one under
    "Sabbaticals" answers "who signs off on a sabbatical?", though no sentence of it says the word."""
    question = "who signs off on sabbaticals?"
    retrieved = [_chunk(0, "Leave", "Leave requests start in Harbor.", 0.6)]
    named = _chunk(1, "Sabbaticals", "Your director approves them once you have served four years.", 0.4)
    nearer = _chunk(2, "Holidays", "Public holidays follow your country's calendar.", 0.4)
    page = [*retrieved, nearer, named]
    closeness = {"Sabbaticals": 0.5, "Holidays": 0.55, "Leave": 0.9}

    def scorer(question: str, chunks: list[list[str]], known) -> list[list[float]]:  # noqa: ANN001
        return [[closeness[next(c.section for c in page if sentence in c.text)] for sentence in sentences]
                for sentences in chunks]

    cited = citations_for(question, retrieved, limit=5, scorer=scorer, documents=lambda ids: {d: page for d in ids})

    assert "Sabbaticals" in [citation.section for citation in cited] and "Holidays" not in [c.section for c in cited]
    assert words_shared(question, page) == [0.0, 0.0, 1.0]


def test_every_cited_document_is_read_whole_when_its_sentence_vectors_are_stored() -> None:
    """A document cited after the lead also quotes its best unretrieved chunk, but only when scoring it
    costs no embedding: without stored vectors only the lead document is read again."""
    question = "how long do I have to file an expense report?"
    lead = _other("travel.md", "Book trips in Navigo.", 0.7)
    answer = _chunk(9, "Timing", "Submit claims within 30 days of the purchase.", 0.1)
    pages = {lead.doc_id: [lead], EXPENSES[0].doc_id: [*EXPENSES[:2], answer]}

    retrieved = [lead, *EXPENSES[:2]]
    bare = citations_for(question, retrieved, limit=5, scorer=by_stored_vector,
                         documents=lambda ids: {d: pages[d] for d in ids})
    # The lead's own sentence is as close as the deadline, so the lead keeps its place (`by_answering`).
    read = citations_for(question, retrieved, limit=5, scorer=by_stored_vector,
                         documents=lambda ids: {d: [stored(chunk, lead if d == lead.doc_id else answer)
                                                    for chunk in pages[d]] for d in ids})

    found = [citation.section for citation in bare]
    assert len(found) == 2 and found[1] in ("Claiming", "Approval"), "what retrieval found, and nothing more"
    assert [citation.section for citation in read] == [*found, "Timing"] and "30 days" in read[2].snippet


def test_a_procedure_comes_with_the_sentence_that_announces_it_without_a_colon() -> None:
    """"…fill out this form to answer the questions below." is where the how is; the list is only what to fill in."""
    text = ("Outside the US: to request leave, fill out the Leave Form in PeopleHub to answer the questions below.\n\n"
            "1. What type of leave are you requesting?\n2. When will your leave start?\n3. How many weeks will you need?")
    quote = best_snippet("how do I request leave from outside the US?", text)

    assert quote.startswith("Outside the US: to request leave, fill out the Leave Form"), quote
    assert "1. What type of leave" in quote and "3. How many weeks" in quote


def test_a_procedure_comes_with_the_prose_above_it_when_it_fits() -> None:
    """The shortcut is often the sentence before the steps, with nothing announcing the list."""
    text = ("You can reset it yourself with the personal email address HR has on file.\n\n"
            "The sign-in page has a help link. It sends a reset email.\n\n"
            "1. Open the sign-in page\n2. Click Need help\n3. Choose Forgot password\n4. Follow the email")
    quote = best_snippet("how do i reset my sso password?", text)

    assert quote.startswith("You can reset it yourself with the personal email address"), quote
    assert quote.endswith("4. Follow the email")


def test_a_chunk_whose_headings_match_the_question_wins_its_documents_quote() -> None:
    """Chunks are embedded with their headings and sentences are not: the section titled for the
    asker's situation holds the answer although another chunk's sentence shares more words."""
    question = "left my badge at home, how do i log in today?"
    lead = _other("travel.md", "Book trips in Navigo.", 0.8)
    printed = replace(_chunk(1, "Badges", "Badges are printed at the front desk within a day.", 0.30),
                      doc_id="local:it/badges.md", url="file:///it/badges.md", path="it/badges.md")
    forgot = replace(_chunk(2, "Forgot your badge", "Call the help desk for a temporary password.", 0.70),
                     doc_id="local:it/badges.md", url="file:///it/badges.md", path="it/badges.md")

    def sentence_similarity(question: str, chunks: list[list[str]], known) -> list[list[float]]:  # noqa: ANN001
        return [[0.5 if "printed" in sentence else 0.45 for sentence in sentences] for sentences in chunks]

    cited = citations_for(question, [lead, printed, forgot], limit=5, scorer=sentence_similarity)

    assert [citation.section for citation in cited] == ["", "Forgot your badge"]
    assert "help desk" in cited[1].snippet


@pytest.mark.parametrize("question, first, second, scores, winner", [
    # Two sentences that answer beat one close to the question by chance.
    ("will my manager see the receipts i submit?",
     ("Contacts", "Who do I contact about reimbursement? Write to the benefits desk. It opens at nine."),
     ("Privacy", "Does anyone at work review my claims? Only the provider reviews them."),
     {"Who do I contact": 0.6, "Does anyone at work": 0.5, "Only the provider": 0.45}, "Privacy"),
    # A short answer ("Not at this time.") is a chunk of one sentence: it counts for both.
    ("does the company match my 401k?",
     ("Enrolment", "You can enrol in the 401k plan in your first month. Contributions start next payday."),
     ("Does the company match my 401k?", "Not at this time."),
     {"enrol in the 401k": 0.5, "Contributions": 0.2, "Not at this time": 0.45}, "Does the company match my 401k?"),
])
def test_a_chunk_competes_for_its_documents_quote_by_its_two_best_sentences(
        question: str, first: tuple[str, str], second: tuple[str, str], scores: dict[str, float], winner: str) -> None:
    """A chunk is chosen for a quote of a few sentences, not for its single best one."""
    lead = _other("travel.md", "Book trips in Navigo.", 0.8)
    chunks = [_chunk(ordinal, section, text, 0.6) for ordinal, (section, text) in enumerate((first, second), start=1)]

    def scorer(question: str, sentences: list[list[str]], known) -> list[list[float]]:  # noqa: ANN001
        return [[next((value for key, value in scores.items() if key in sentence), 0.1) for sentence in chunk]
                for chunk in sentences]

    cited = citations_for(question, [lead, *chunks], limit=5, scorer=scorer)

    assert [citation.section for citation in cited] == ["", winner]


def test_a_citation_shows_headings_without_markdown_emphasis_from_an_older_index() -> None:
    """An index synced before headings were stored plain still holds "**…**"; the citation reads clean."""
    chunk = replace(_chunk(1, "**Step 2: Kick off your leave**", "Open Tilt and choose New leave.", 0.6),
                    title="**Leave of absence**")

    cited = citations_for("how do i start my leave", [chunk], limit=5)

    assert (cited[0].title, cited[0].section) == ("Leave of absence", "Step 2: Kick off your leave")


def test_a_document_far_below_the_lead_is_not_cited() -> None:
    """Sources about something else do not trail a strong answer: a document is cited only if its best
    chunk scores at least SOURCE_SHARE of the lead's."""
    question = "how long do I have to file an expense report?"
    near = _other("travel.md", "Trips are expensed in Ledger too.", 0.62 * SOURCE_SHARE + 0.01)
    far = _other("dashboards.md", "Dashboards refresh every 14 days.", 0.62 * SOURCE_SHARE - 0.01)

    cited = citations_for(question, [EXPENSES[3], EXPENSES[0], near, far], limit=5)

    assert [citation.path for citation in cited] == ["hr/expenses.md", "hr/expenses.md", "travel.md"]


def test_a_quote_carries_the_sentence_that_answers_again_past_its_window() -> None:
    """A long section answers in two places: the rule where the question's words meet, and the catch paragraphs on."""
    filler = [f"Teammates in region {n} plan their time away with their team lead a quarter ahead, and the calendar "
              f"shows who is out so that meetings can be moved in good time." for n in range(1, 7)]
    text = " ".join(["Parental leave is paid at full salary for sixteen weeks after the birth or adoption.", *filler,
                     "Parental leave taken beyond the sixteen weeks is unpaid and needs your manager's approval."])
    question = "taking sixteen weeks of parental leave plus four more, is all of it paid?"

    lead = best_snippet(question, text, max_chars=LEAD_QUOTE_CHARS)
    quote, _ = best_quote(question, text, LEAD_QUOTE_CHARS, runner_up=True)

    assert "is unpaid" not in lead, "the window around the best sentence ends before the catch"
    assert quote.startswith(lead) and quote.endswith(" … Parental leave taken beyond the sixteen weeks is unpaid and "
                                                     "needs your manager's approval."), quote


def test_a_procedure_quote_carries_the_rule_beside_its_list() -> None:
    """"can i mark it as a blocker myself?" reads as a how-to and gets the section's list whole, while the section's
    answer is the rule after the list: who may do it. The list keeps its place, and the runner-up follows it."""
    text = ("A release may be held back only for one of these issues:\n\n"
            "1. The build pipeline cannot produce an installer at all.\n"
            "2. A data loss bug hits most customers and has no workaround.\n"
            "3. A security regression since the previous release.\n\n"
            "Only the release captain can mark an issue as a release blocker; everyone else flags it to them in "
            "#release-desk.\n\nMost issues are fixed on the main branch and shipped in the next patch.")
    question = "found a nasty regression in the release candidate. can i mark it as a blocker myself?"

    assert Ask.PROCEDURE in asks(question)
    plain, _ = best_quote(question, text, LEAD_QUOTE_CHARS)
    quote, _ = best_quote(question, text, LEAD_QUOTE_CHARS, runner_up=True)

    assert "Only the release captain" not in plain, "the list alone leaves the rule out"
    assert quote.startswith(plain) and quote.endswith(
        " … Only the release captain can mark an issue as a release blocker; everyone else flags it to them in "
        "#release-desk."), quote


def test_the_lead_documents_quote_reaches_a_fact_further_from_its_best_sentence_than_the_others() -> None:
    """The lead document is the likeliest answer: its quotes grow to LEAD_QUOTE_CHARS, the others' to
    QUOTE_CHARS, so the same section shows a fact ~700 characters on as the lead and not further down."""
    filler = [f"Team trips in region {n} are planned by the events team with a budget agreed each quarter, "
              f"and hotels near the venue are preferred where the rates allow it." for n in range(1, 5)]
    text = " ".join(["Out-of-policy bookings are emailed to your manager for approval.", *filler,
                     "After 24 hours without an answer the booking is accepted automatically."])
    question = "my manager is away, what happens to my out-of-policy booking?"
    lead = _other("travel/navigo.md", text, 0.6)
    copy = _other("travel/navigo-copy.md", f"Copied page. {text}", 0.55)

    cited = citations_for(question, [lead, copy], limit=5)

    assert QUOTE_CHARS < len(" ".join(sentences_of(text))) <= LEAD_QUOTE_CHARS
    assert "accepted automatically" in cited[0].snippet
    assert "the booking is accepted automatically" not in cited[1].snippet.split(" … ")[0], \
        "the others' window ends before it (their runner-up sentence may still follow after an ellipsis)"
    assert cited[1].gist == cited[0].gist == "Out-of-policy bookings are emailed to your manager for approval."


@pytest.mark.parametrize("thing, text, said", [
    ("short-term disability insurance", "Q. Does Larkspur offer short term disability? Not at present.", True),
    ("long-term care insurance", "We offer long term disability cover through the plan.", False),
    ("cycle-to-work scheme", "Each release cycle, work is planned in a scheme of sprints.", False),
    ("parking", "Parking is in the blue garage.", False),  # one word is met by chance on a long page
])
def test_a_thing_is_named_by_its_words_in_order_without_its_kind(thing: str, text: str, said: bool) -> None:
    """"Insurance", "plan", "scheme" say what kind of thing X is: a section that says "short term disability"
    names it; one that says "long term disability" does not name "long-term care"."""
    assert named(thing, text) is said


BENEFITS_FAQ = """# Benefits FAQ

## Health plans

Larkspur offers three medical plans through Bluebird Health, with dental and vision cover for every plan.

## Retirement

The 401(k) match is 4% of base pay, vested immediately.

## Disability

Q. Does Larkspur offer short term disability? Not at present: talk to the Leave team about paid leave instead.
"""


def test_do_we_have_x_reads_the_cited_pages_whole_before_saying_not_found(tmp_path: Path, embedder: Embedder) -> None:
    """Retrieval keeps two chunks a page: the section naming X can be the third, so the page is read."""
    rt = synced_runtime(tmp_path, embedder, {"benefits.md": BENEFITS_FAQ})
    service = rt.answers
    first = [result for result in service.retriever.search("medical plans", per_doc=None)
             if result.section == "Health plans"]
    assert first and all("disability" not in result.text for result in first)

    assert service.absent_thing("do we have short-term disability insurance?", first) is None
    assert service.absent_thing("do we have long-term care insurance?", first) == "long-term care insurance"


TIME_OFF = "# Time off\n\n## Paid time off\n\nEveryone gets 25 paid days off a year. Unused days do not carry over.\n" + "".join(
    f"\n## Office closure {number}\n\nOffice closure {number} gives everyone paid days off.\n" for number in range(DISTINCTIVE))
"""A page where "paid" and "days" are in more chunks than `DISTINCTIVE`: common words, as on a real handbook."""

COMMUNITY = """# Community

## Food bank

The social club volunteers at the Hollis Street food bank each month, and everyone may take two volunteer days a
year for it; sign up in #social.
"""


def test_do_we_have_x_is_not_found_when_no_cited_section_names_its_most_particular_word(
        tmp_path: Path, embedder: Embedder) -> None:
    """The time-off section says "paid" and "days", the head word and half of "paid volunteer days", yet
    never "volunteer", the word few chunks hold: it does not answer whether volunteer days exist."""
    rt = synced_runtime(tmp_path, embedder, {"time-off.md": TIME_OFF, "community.md": COMMUNITY})
    service = rt.answers
    time_off = [result for result in service.retriever.search("paid days off", per_doc=None)
                if result.path == "time-off.md"]
    community = [result for result in service.retriever.search("food bank", per_doc=None)
                 if result.path == "community.md"]
    assert time_off and community and not unmentioned("paid volunteer days", [r.text for r in time_off])

    assert service.absent_thing("do we get paid volunteer days?", time_off) == "paid volunteer days"
    assert service.absent_thing("do we get paid volunteer days?", community) is None
    assert service.absent_thing("do we get paid closures?", time_off) is None
    assert service.absent_thing("is there a volunteer day / paid day off?", time_off) is None  # one is there


def test_a_thing_of_common_words_only_is_left_to_its_head_word() -> None:
    """Every word of "annual license fee" on many pages: no word of it names something particular."""
    texts = ["Each license is renewed by Tech Ops; the fee is billed yearly."]

    assert not distinctive_unmentioned("annual license fee", texts, lambda word: DISTINCTIVE)
    assert distinctive_unmentioned("adobe license", texts, lambda word: 2 if word == "adobe" else DISTINCTIVE)
    assert not distinctive_unmentioned("adobe", texts, lambda word: 2), "one word: the head word rule judges it"


def test_a_thing_is_met_by_any_of_its_particular_words_not_only_the_rarest() -> None:
    """The page says "alias" but not "shorter": a modifier the runbooks word otherwise turns no answer away."""
    counts = {"shorter": 8, "alias": 11}
    page = ["An alias is a second address for your mailbox; it does not change your Okta username."]

    assert not distinctive_unmentioned("shorter email alias", page, lambda word: counts.get(word, DISTINCTIVE))
    assert distinctive_unmentioned("shorter email alias", ["Email signatures use the brand template."],
                                   lambda word: counts.get(word, DISTINCTIVE))


def test_a_comparative_says_how_the_thing_should_differ_not_which_thing_it_is() -> None:
    """"Can I get a shorter email address?": the page offers an alias and never says "shorter"; only the
    comparative was rare, so nothing particular of X is missing."""
    counts = {"shorter": 8, "bigger": 5, "standing": 12}
    page = ["An alias is a second address for your mailbox; request one from IT."]

    assert not distinctive_unmentioned("shorter email address", page, lambda word: counts.get(word, DISTINCTIVE))
    assert distinctive_unmentioned("bigger standing desk", page, lambda word: counts.get(word, DISTINCTIVE))


def test_a_word_is_counted_only_in_the_chunks_the_asker_may_read(example_runtime: Runtime) -> None:
    store = example_runtime.store

    assert store.chunks_mentioning("vpn", DISTINCTIVE) > 1 and store.chunks_mentioning("vpn", 1) == 1
    assert store.chunks_mentioning("zzyzxunknownword", DISTINCTIVE) == 0
    assert store.chunks_mentioning("vpn", DISTINCTIVE, where="doc_id = 'nobody:nothing'") == 0


def test_a_thing_written_with_letters_and_digits_is_found_however_the_runbook_writes_it() -> None:
    """"403b" in a question, "403(b)" in the runbook: the index and the word splitter part them."""
    assert not unmentioned("403b plan", ["Larkspur matches 4% of pay in the 403(b) plan."])
    assert unmentioned("pet insurance", ["Larkspur matches 4% of pay in the 403(b) plan."])


@pytest.mark.parametrize("thing", ["windows laptop", "linux machine", "windows pcs"])
def test_a_device_named_by_its_system_is_met_by_a_section_that_names_the_system(thing: str) -> None:
    """"Can I get a windows laptop?": the runbook says what it allows for Windows, not for "laptops"."""
    page = ["What if I have a business need for Windows or Linux? Ask IT for an exception."]
    assert not unmentioned(thing, page)
    assert unmentioned("gaming laptop", page)


ODDS_AND_ENDS = """# Office notes

## Odds and ends

The kitchen fridge is cleared every Friday afternoon, so label anything you want to keep. Plants on the third
floor are watered by a service on Tuesdays. The meeting room screens turn off at seven in the evening to save
power. Our lobby art rotates each season and comes from local painters. The recycling bins are collected on
Mondays and Thursdays. Quiet hours in the library corner run from nine to eleven each morning. Bike racks fill
up early in summer. Guests who drive park in the blue garage on Hollis Street and get their ticket stamped at
reception. The coffee machine descales itself every night. Lost umbrellas go to the basket by the front door.
"""


@pytest.mark.parametrize("sentence_relevance, answered", [(0.45, True), (0.0, False)])
def test_one_sentence_answering_in_a_section_about_other_things_is_found(tmp_path: Path, embedder: Embedder,
                                                                         sentence_relevance: float,
                                                                         answered: bool) -> None:
    """The section as a whole is under the relevance floor for the question; its one sentence is not."""
    rt = synced_runtime(tmp_path, embedder, {"office.md": ODDS_AND_ENDS}, min_sentence_relevance=sentence_relevance)
    question = "where can my visitors park their car?"

    best = max(result.similarity for result in rt.answers.retriever.search(question))
    answer = rt.answers.answer(question)

    assert best < rt.settings.min_relevance
    assert answer.no_answer is not answered
    if answered:
        assert "blue garage on Hollis Street" in answer.citations[0].snippet


CHAT_AROUND_THE_ASK = ("will the company cover a chair for my home office? been perched on a wobbly kitchen stool for "
                       "a month and my neck hates me")
"""Written for this test: the ask, then chat that blurs the whole message under the relevance floor."""
ASK_AFTER_AN_EMOJI = ("been perched on a wobbly kitchen stool for a month and my neck hates me 😩 will the company "
                      "cover a chair for my home office")
"""Written for this test: chat, then the ask, with an emoji for the full stop between them (chat's punctuation)."""


@pytest.mark.parametrize("message", [CHAT_AROUND_THE_ASK, ASK_AFTER_AN_EMOJI])
def test_the_ask_is_searched_alone_when_chat_around_it_blurs_the_message(example_runtime: Runtime,
                                                                         message: str) -> None:
    service = example_runtime.answers
    whole = service.retriever.search(message)

    answer = service.answer(message)

    assert max(result.similarity for result in whole) < example_runtime.settings.min_relevance
    assert not service.a_sentence_answers(message, whole), "the sentence rule alone would turn it away"
    assert not answer.no_answer
    assert "home office setup stipend" in answer.citations[0].snippet


def test_a_question_in_chat_words_the_model_never_learned_is_searched_again_in_the_runbooks_words(
        example_runtime: Runtime) -> None:
    """"Putting in my two weeks" is far from every section for a small model; said as "resign" it is not."""
    service = example_runtime.answers
    message = "putting in my two weeks, what's step one?"
    as_asked = service.retriever.search(message, k=10)

    answer = service.answer(message)

    assert max(result.similarity for result in as_asked) < example_runtime.settings.min_relevance
    assert not service.a_sentence_answers(message, as_asked) and not service.a_clause_answers(message)
    assert not answer.no_answer and answer.citations[0].path == "hr/offboarding.md"
    assert "Submit your resignation" in answer.citations[0].snippet


def test_a_long_chatty_message_costs_a_bounded_number_of_searches(example_runtime: Runtime,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    service = example_runtime.answers
    searched: list[str] = []
    search = service.retriever.search

    def counted(query: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the same signature
        searched.append(query)
        return search(query, *args, **kwargs)

    monkeypatch.setattr(service.retriever, "search", counted)
    message = " ".join(f"my cat knocked plant number {n} off the shelf again." for n in range(30))

    results = service.relevant(message)

    assert results == []
    assert len(searched) == 1 + MAX_CLAUSES, "the whole message, then at most MAX_CLAUSES of its clauses"


LEAVE_BY_REGION = (  # a chunk of the section "Starting a leave of absence"
    "- **US teammates:** open Harbor from the HR portal and file a new leave case.\n"
    "  - If your dates change, update the case in Harbor the same day.\n"
    "- **Non-US teammates:** email leave@northwind.example with your dates and country.\n"
    "  - If your dates change, reply on the same email thread.\n"
)
"""Written for this test: one procedure given per region, as handbooks often write it."""


@pytest.mark.parametrize("question, theirs, not_theirs", [
    ("US based here, how do i start my leave of absence?", "open Harbor", "email leave@"),
    ("im in germany, how do i start my leave of absence?", "email leave@", "open Harbor"),
    ("on leave (US) and my dates changed, what do i do?", "Harbor", "email"),
    ("working from the non-US entity, my dates changed, what now?", "email", "Harbor"),
])
def test_a_question_that_says_where_the_asker_is_quotes_that_regions_instructions(
        question: str, theirs: str, not_theirs: str, embedder: Embedder) -> None:
    """A label holds for the sentences under it; without the asker's region the two read alike.
    (A short quote budget stands for a section too long to quote whole.)"""
    sentences = sentences_of(LEAVE_BY_REGION)
    semantic = (embedder.embed_documents(sentences) @ embedder.embed_queries([question])[0]).tolist()

    quote = best_snippet(question, LEAVE_BY_REGION, max_chars=120, semantic=semantic)

    assert theirs in quote and not_theirs not in quote, quote


def test_the_chunk_for_the_askers_region_wins_its_documents_quote() -> None:
    question = "im in germany, how do i start my leave of absence?"
    us = _chunk(0, "Starting leave", "US teammates: open Harbor from the HR portal and file a new leave case.", 0.6)
    abroad = _chunk(1, "Starting leave abroad", "Non-US teammates: email leave@northwind.example with your dates.", 0.6)

    cited = citations_for(question, [us], limit=5, documents=lambda ids: {d: [us, abroad] for d in ids})

    assert "email leave@" in cited[-1].snippet and len(cited) == 2, "the asker's region's chunk is quoted too"


@pytest.mark.parametrize("question, region", [
    ("baby due in march (US based). where do i kick off the paperwork?", US),
    ("on medical leave (US) and my doc pushed my return date", US),
    ("started monday in the us, how long do i have to pick insurance", US),
    ("im in germany and need surgery leave, how do i file", "germany"),
    ("any bike scheme for folks outside the US?", ABROAD),
    ("can you tell us where the forms are?", None),
    ("let us know how to file expenses", None),
])
def test_where_a_question_says_its_asker_is(question: str, region: str | None) -> None:
    assert asker_region(question) == region


def test_a_label_holds_until_the_next_one_and_us_as_a_pronoun_is_no_label() -> None:
    sentences = ["US teammates: open Harbor.", "Then file the case.", "Non-US teammates: email leave@.",
                 "Then wait for a reply.", "Please contact us only for emergencies."]

    assert audience_bonuses("germany", sentences) == [-AUDIENCE_BONUS, -AUDIENCE_BONUS, AUDIENCE_BONUS,
                                                      AUDIENCE_BONUS, AUDIENCE_BONUS]
    assert audience_bonuses(None, sentences) == [0.0] * 5
    assert audience_bonuses(US, ["Please contact us only for emergencies."]) == [0.0]


def test_a_quote_never_ends_on_the_sentence_that_announces_a_list() -> None:
    text = ("When a teammate leaves, Tech Ops takes care of the following:\n\n- Wiping the laptop remotely.\n"
            "- Removing every account the same day.\n")

    quote = best_snippet("what does tech ops take care of when a teammate leaves?", text, max_chars=60)

    assert quote.startswith("When a teammate leaves") and "Wiping the laptop" in quote, quote


def test_a_quote_announcing_what_the_next_chunk_holds_is_continued_from_it() -> None:
    """Chunks are cut by length, so "…verify these:" can end one and its list start the next."""
    question = "what do departing teammates hand back to tech ops?"
    announcing = _chunk(0, "Leaving", "Departing teammates hand back a few things to Tech Ops. Bring these on your "
                                      "last day:", 0.7)
    listed = _chunk(1, "Leaving", "- Your laptop and charger.\n- Your badge.\n\nTech Ops signs the checklist.", 0.4)
    elsewhere = _chunk(2, "Payroll", "Your last payslip arrives on the next pay date.", 0.2)

    def pages(ids: list[str]) -> dict[str, list[Result]]:
        return {doc: [announcing, listed, elsewhere] for doc in ids}

    continued = citations_for(question, [announcing], limit=5, documents=pages)
    last_in_section = citations_for(question, [announcing], limit=5,
                                    documents=lambda ids: {doc: [announcing, elsewhere] for doc in ids})

    assert "last day: Your laptop and charger. Your badge." in continued[0].snippet, continued[0].snippet
    assert last_in_section[0].snippet.endswith("last day:"), "a chunk of another section is no continuation"


def test_a_chunk_quoted_after_continuing_into_it_does_not_repeat_what_was_shown() -> None:
    """Both chunks of the section retrieved: the first's quote already reads into the second."""
    question = "what do departing teammates hand back to tech ops?"
    announcing = _chunk(0, "Leaving", "Departing teammates hand back a few things to Tech Ops. Bring these on your "
                                      "last day:", 0.7)
    listed = _chunk(1, "Leaving", "- Your laptop and charger.\n- Your badge.\n\nTech Ops signs the checklist.", 0.6)

    cited = citations_for(question, [announcing, listed], limit=5,
                          documents=lambda ids: {d: [announcing, listed] for d in ids})

    assert len(cited) == 1 and "last day: Your laptop and charger. Your badge." in cited[0].snippet, cited
    assert cited[0].snippet.count("Your badge") == 1, cited[0].snippet


def test_two_quotes_of_one_section_are_joined_by_one_ellipsis() -> None:
    """A procedure cut at its length budget ends "…"; the section's second quote follows after one more."""
    steps = "To file a claim:\n\n" + "\n".join(f"{n}. Fill in box {n} of the Ledger claim form and attach the "
                                              "receipt that goes with it." for n in range(1, 25))
    first = _chunk(0, "Claiming", steps, 0.62)
    second = replace(_chunk(1, "Claiming", "Claims over $500 also need a director's approval in Ledger.", 0.58),
                     id="expenses-1")

    cited = citations_for("how do I file an expense claim in Ledger?", [first, second], limit=5)

    assert len(cited) == 1 and "director's approval" in cited[0].snippet
    assert "… …" not in cited[0].snippet and cited[0].snippet.count("…") == 1, cited[0].snippet
