"""The LLM check over the real anthropic SDK and a local fake Messages API: it can only add."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.policy.llm_check import AnthropicCheck
from bot.policy.regulated import RegulatedTopicPolicy
from tests.fakes.aio import LoopThread
from tests.fakes.anthropic_messages import FakeMessages

# Near a regulated topic, but worded so neither rules nor examples escalate it on their own.
BORDERLINE = "what does the benefits guide say about the pharmacy coverage"


@pytest.fixture()
def fake() -> Iterator[tuple[FakeMessages, str]]:
    with LoopThread() as loop:
        messages = FakeMessages()
        yield messages, loop.serve(messages.app())


def checked(policy: RegulatedTopicPolicy, check: AnthropicCheck) -> RegulatedTopicPolicy:
    return RegulatedTopicPolicy(policy.policy, policy.classifier.embedder, llm=check, llm_min_similarity=-1.0)


def test_the_llm_adds_an_escalation_the_rules_and_examples_missed(policy, fake) -> None:  # noqa: ANN001
    messages, url = fake
    messages.reply = lambda question: "medical"
    assert policy.classify(BORDERLINE) is None

    judgement = checked(policy, AnthropicCheck("sk-test", "claude-test", base_url=url)).judge(BORDERLINE)

    assert judgement.source == "llm" and judgement.decision is not None and judgement.decision.category == "medical"
    [request] = messages.requests
    headers = request["headers"]
    assert request["body"]["model"] == "claude-test"
    assert headers.get("x-api-key") == "sk-test" or headers.get("authorization") == "Bearer sk-test"
    assert BORDERLINE in request["body"]["messages"][0]["content"]


def test_the_llm_cannot_remove_an_escalation(policy, fake) -> None:  # noqa: ANN001
    messages, url = fake
    messages.reply = lambda question: "none"
    policy_with_llm = checked(policy, AnthropicCheck("sk-test", "claude-test", base_url=url))

    decision = policy_with_llm.classify("can they fire me for taking leave for my surgery?")

    assert decision is not None and decision.category == "termination"
    assert messages.requests == []  # already escalated: the model is not even asked


def test_an_answer_outside_the_categories_changes_nothing(policy, fake) -> None:  # noqa: ANN001
    messages, url = fake
    messages.reply = lambda question: "Sure! I think this is about pharmacy benefits."

    assert checked(policy, AnthropicCheck("sk-test", "claude-test", base_url=url)).classify(BORDERLINE) is None
    assert len(messages.requests) == 1


@pytest.mark.parametrize("status", [500, 529, 401])
def test_an_api_error_leaves_the_question_answered_without_retrying(policy, fake, status: int) -> None:  # noqa: ANN001
    messages, url = fake
    messages.status = status

    assert checked(policy, AnthropicCheck("sk-test", "claude-test", base_url=url)).classify(BORDERLINE) is None
    assert len(messages.requests) == 1


def test_a_slow_api_is_cut_off_at_the_timeout(policy, fake) -> None:  # noqa: ANN001
    messages, url = fake
    messages.delay, messages.reply = 5.0, (lambda question: "medical")
    check = AnthropicCheck("sk-test", "claude-test", base_url=url, timeout=0.3)

    assert check.category(BORDERLINE) is None  # returned at the timeout, well before the server would answer
    assert len(messages.requests) == 1


def test_runtime_builds_the_check_only_with_a_key(runtime, fake) -> None:  # noqa: ANN001
    from pydantic import SecretStr

    _, url = fake
    assert runtime.policy.llm is None
    runtime.settings = runtime.settings.model_copy(update={"anthropic_api_key": SecretStr("sk-x"), "anthropic_base_url": url})
    del runtime.__dict__["policy"]
    assert isinstance(runtime.policy.llm, AnthropicCheck)
