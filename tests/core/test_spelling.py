"""Typo repair: the two commonest keyboard slips are repaired against the runbooks' own words."""

from __future__ import annotations

import re
from collections import Counter

from bot.answer.spelling import Speller
from bot.runtime import Runtime


def vocabulary(texts: list[str]) -> Counter[str]:
    return Counter(re.findall(r"[a-z]+", " ".join(texts).lower()))


RUNBOOKS = vocabulary(["Keep receipts for expenses of $25 or more. Create the project repo first.",
                       "The passcode must be 14 characters. Taking leave? Ask your lender for a letter."])


def test_a_dropped_letter_and_swapped_letters_are_repaired() -> None:
    speller = Speller(lambda words: RUNBOOKS)
    assert speller.correct("do I need reciepts for a new projcet?") == "do I need receipts for a new project?"
    assert speller.correct("rules for the pascode") == "rules for the passcode"


def test_real_words_inflections_and_short_words_are_left_alone() -> None:
    speller = Speller(lambda words: RUNBOOKS, known=frozenset({"gender", "tank"}))
    assert speller.repair("gender") is None  # the model knows it: not a typo of "lender"
    assert speller.repair("tanking") is None  # tank + ing, not "taking"
    assert speller.repair("lenders") is None  # an inflection of a runbook word
    assert speller.repair("lol") is None and speller.repair("wfh") is None
    assert speller.repair("texting") is None  # no runbook word one slip away


def test_the_most_frequent_runbook_word_wins() -> None:
    speller = Speller(lambda words: Counter({"forms": 9, "farms": 1, "password": 3}))
    assert speller.repair("frms") == "forms"  # "farms" is one slip away too, but rarer
    assert speller.repair("pswrd") is None  # three letters dropped: too far to guess
    assert Speller(lambda words: Counter({"sign": 5, "sing": 1})).repair("sgin") == "sign"


def test_a_typo_no_longer_sinks_the_right_runbook(example_runtime: Runtime) -> None:
    typed = example_runtime.retriever.search("do i need a reciept for a cab ride", k=3)
    assert typed[0].path == "hr/expenses.md"
    assert example_runtime.retriever.corrected("do i need a reciept") == "do i need a receipt"


def test_words_are_looked_up_in_the_index_not_loaded_from_it(example_runtime: Runtime) -> None:
    """Designed for millions of chunks: the speller asks the full-text index about the few words it
    doubts, and only those, instead of holding the runbooks' vocabulary in memory."""
    asked: list[list[str]] = []

    def counting(words: list[str]) -> Counter[str]:
        asked.append(words)
        return example_runtime.store.word_counts(words)

    speller = Speller(counting, known=frozenset({"do", "i", "need", "a", "for", "cab", "ride"}))
    assert speller.correct("do i need a reciept for a cab ride") == "do i need a receipt for a cab ride"
    assert len(asked) == 1 and asked[0][0] == "reciept"  # one lookup, for the one doubtful word
    speller.correct("a reciept")  # the answer scores its quotes with the same question: no second lookup
    assert len(asked) == 1
    assert example_runtime.store.word_counts(["receipt", "reciept"])["reciept"] == 0


def test_the_other_of_british_and_american_spelling_is_read_as_the_runbooks_spell_it() -> None:
    runbooks = vocabulary(["Pick a color. Ask about counseling. When does enrollment close? Friday."])
    american = Speller(lambda words: runbooks, known=frozenset({"colour", "enrol"}))
    assert american.correct("what colour? is counselling free? when does enrolment close?") == \
        "what color? is counseling free? when does enrollment close?"  # known to the model or not
    british = Speller(lambda words: vocabulary(["Enrol by Friday. Counselling is free. Your licence number."]))
    assert british.correct("how do i enroll in counseling? where is my license") == \
        "how do i enrol in counselling? where is my licence"


def test_a_spelling_the_runbooks_use_and_a_slip_are_not_read_as_the_other_spelling() -> None:
    speller = Speller(lambda words: vocabulary(["CORS headers. A colour and a color. Take the course."]))
    assert speller.repair("colour") is None and speller.repair("color") is None  # both written: left as typed
    assert speller.repair("cours") == "course"  # a dropped letter, not a British "cors"


def test_a_question_in_the_other_spelling_finds_the_runbooks_words(example_runtime: Runtime) -> None:
    """The example runbooks spell the British way ("counselling", "enrolment"); chat often does not."""
    assert example_runtime.store.word_counts(["counseling"])["counseling"] == 0
    assert example_runtime.retriever.corrected("is counseling free for my kids?") == "is counselling free for my kids?"
