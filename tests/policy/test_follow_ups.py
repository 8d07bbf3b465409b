"""A follow-up in a thread is judged with the message it follows when its own words carry no stance."""

from __future__ import annotations

from bot.policy.regulated import RegulatedTopicPolicy

VAGUE = "and what if I lose it?"
"""Written for this test (and `tests/core/test_answer.py`'s thread): no topic and no stance of its own, so
alone it sits near whatever advice shares its few words (losing one's options, one's status)."""


def test_a_vague_follow_up_takes_its_topic_from_the_thread(unworded: RegulatedTopicPolicy) -> None:
    alone = unworded.judge(VAGUE)

    assert alone.decision is not None and alone.source == "classifier", "alone it reads as advice on similarity"
    assert unworded.classify(VAGUE, ["how do I set up my YubiKey for MFA?"]) is None
    assert unworded.classify(VAGUE) == alone.decision, "with no thread nothing changes"


def test_the_wording_view_already_reads_the_vague_follow_up_as_advice_on_nothing(policy: RegulatedTopicPolicy) -> None:
    judged = policy.judge(VAGUE)

    assert judged.decision is None
    assert judged.verdict is not None and judged.verdict.wording < 0.5


def test_only_the_last_earlier_message_is_read_with_it(unworded: RegulatedTopicPolicy) -> None:
    decided = unworded.classify(VAGUE, ["my green card interview is next month and my visa status worries me",
                                      "how do I set up my YubiKey for MFA?"])

    assert decided is None


def test_a_follow_up_asking_a_judgement_in_its_own_words_still_goes_to_a_person(policy: RegulatedTopicPolicy) -> None:
    question = "and should i just quit over it?"

    alone = policy.judge(question)
    decided = policy.classify(question, ["how do i report a coworker's comments?"])

    assert alone.verdict is not None and alone.verdict.signals.judgement
    assert decided is not None and decided == alone.decision


def test_a_crisis_follow_up_is_a_crisis_whatever_it_follows(policy: RegulatedTopicPolicy) -> None:
    decided = policy.classify("honestly i don't want to wake up tomorrow", ["where's the leave form?"])

    assert decided is not None and decided.crisis and decided.category == "mental_health"
