"""Generated answers over the wire: the real anthropic SDK against a local fake Messages API.

Each test scripts what the "model" replies and checks what kb makes of it: citations kept and
linked, invented ones dropped, uncited replies and failures answered with snippets in time.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

from bot import metrics
from bot.answer.compose import not_found
from bot.llm.prompt import NO_ANSWER
from bot.runtime import Runtime
from tests.answer.conftest import API_KEY, MODEL, LLMRuntime
from tests.fakes.anthropic_messages import FakeMessages, Scripted

QUESTION = "the VPN says device posture check failed, what now?"
DOCUMENT = re.compile(r'<document index="(\d+)">\n<title>(.*?)</title>\n<section>(.*?)</section>')


def timed_writer(rt: Runtime) -> list[float]:
    """Seconds each generated-answer attempt took (retrieval left out: this 2-core machine is shared)."""
    spans: list[float] = []
    write = rt.writer.write

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return write(*args, **kwargs)
        finally:
            spans.append(time.perf_counter() - started)

    rt.writer.write = timed
    return spans


def documents(fake: FakeMessages) -> dict[int, tuple[str, str]]:
    """The numbered snippets the model was given: number → (title, section)."""
    return {int(n): (title, section) for n, title, section in DOCUMENT.findall(fake.prompt())}


def test_a_cited_answer_keeps_its_citations_and_links_each_to_its_section(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then("Update your laptop's operating system, then reconnect [1]. If it still fails, ask #it-help [2].")

    answer = llm_runtime().answers.answer(QUESTION)

    assert answer.generated and not answer.no_answer
    assert answer.text == "Update your laptop's operating system, then reconnect [1]. If it still fails, ask #it-help [2]."
    given = documents(fake)
    assert [(c.title, c.section) for c in answer.citations] == [given[1], given[2]]
    assert all(c.url.startswith("file://") and "#" in c.url for c in answer.citations)  # the section, not the page
    assert answer.citations[0].snippet and answer.uncited == []
    [request] = fake.requests
    assert request["headers"]["authorization"] == f"Bearer {API_KEY}"
    assert request["body"]["model"] == MODEL and not request["body"].get("stream")
    assert QUESTION in request["body"]["messages"][0]["content"]


def test_an_invented_citation_is_dropped_and_its_sentence_flagged(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then("Reconnect after updating the OS [1][9]. Posture checks run every hour [9].")

    answer = llm_runtime().answers.answer(QUESTION)

    assert answer.generated
    assert answer.text == "Reconnect after updating the OS [1]. Posture checks run every hour."
    assert "[9]" not in answer.text and len(answer.citations) == 1
    assert answer.uncited == ["Posture checks run every hour."]


def test_citations_are_renumbered_to_the_sources_shown(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then("Update the OS first [3]. Then reconnect [1, 3].")

    answer = llm_runtime().answers.answer(QUESTION)

    given = documents(fake)
    assert answer.text == "Update the OS first [1]. Then reconnect [2][1]."
    assert [(c.title, c.section) for c in answer.citations] == [given[3], given[1]]


def test_an_answer_without_citations_falls_back_to_the_snippets(llm_runtime: LLMRuntime, fake_llm, example_runtime) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then("Just restart your laptop and it will work.")

    answer = llm_runtime().answers.answer(QUESTION)

    snippets = example_runtime.answers.answer(QUESTION)
    assert not answer.generated and len(fake.requests) == 1
    assert answer.text == snippets.text and answer.citations == snippets.citations


def test_the_models_not_found_sentinel_is_a_no_answer(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then(NO_ANSWER)

    answer = llm_runtime().answers.answer(QUESTION)

    assert answer.no_answer and answer.text == not_found("#it-help or #people-ops") and not answer.citations


@pytest.mark.parametrize("status", [500, 401])
def test_an_api_error_falls_back_at_once_without_retrying(llm_runtime: LLMRuntime, fake_llm, status: int) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then(Scripted(status=status))
    rt = llm_runtime(llm_timeout=5.0)
    spans = timed_writer(rt)

    answer = rt.answers.answer(QUESTION)

    assert not answer.generated and answer.citations and "[1]" in answer.text
    assert len(fake.requests) == 1
    assert spans[0] < 2.0  # no back-off, no waiting for the deadline


def test_a_hanging_api_falls_back_at_the_deadline(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then(Scripted("Too late [1].", hang=True))
    rt = llm_runtime(llm_timeout=1.0)
    spans = timed_writer(rt)

    answer = rt.answers.answer(QUESTION)

    assert not answer.generated and answer.citations
    assert 1.0 <= spans[0] < 1.8  # the deadline; the fake would hang for 30 s


def test_a_stream_that_stalls_falls_back_at_the_deadline_and_stops_updating(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then(Scripted("Update the OS and reconnect to the VPN [1].", stall_after=3))
    rt = llm_runtime(llm_timeout=1.0)
    spans = timed_writer(rt)
    seen: list[str] = []

    answer = rt.answers.answer(QUESTION, on_text=seen.append)

    assert 1.0 <= spans[0] < 1.8 and not answer.generated
    assert seen[0] == "" and seen[-1] == "Update the OS"  # what arrived before the stall, then nothing
    fake.release()  # the rest of the stream now arrives, on the abandoned call's thread
    for thread in threading.enumerate():
        if thread.name.startswith("kb-llm-"):
            thread.join(10)
    assert seen[-1] == "Update the OS"  # its late words never reached the callback


def test_rate_limited_then_ok_is_retried_after_retry_after(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then(Scripted(status=429, headers={"retry-after": "0"}), Scripted(status=529, headers={"retry-after": "0"}),
              "Update the OS, then reconnect [1].")

    answer = llm_runtime(llm_retries=2).answers.answer(QUESTION)

    assert answer.generated and answer.text == "Update the OS, then reconnect [1]."
    assert len(fake.requests) == 3


def test_no_retry_is_made_when_the_wait_would_pass_the_deadline(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then(Scripted(status=529, headers={"retry-after": "30"}), "Never asked for [1].")
    rt = llm_runtime(llm_timeout=3.0)
    spans = timed_writer(rt)

    answer = rt.answers.answer(QUESTION)

    assert not answer.generated and len(fake.requests) == 1
    assert spans[0] < 2.0  # gave up at once instead of sleeping 30 s (or until the deadline)


def test_repeated_failures_open_the_breaker_until_the_cool_down_ends(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then(Scripted(status=500), Scripted(status=500), "Back again [1].")
    rt = llm_runtime(llm_breaker_failures=2, llm_breaker_cooldown=60.0)
    now = [1000.0]
    rt.llm_breaker.clock = lambda: now[0]

    first, second, third = (rt.answers.answer(QUESTION) for _ in range(3))

    assert not (first.generated or second.generated or third.generated)
    assert len(fake.requests) == 2  # the third question did not wait on the API at all
    now[0] += 61
    assert rt.answers.answer(QUESTION).generated and len(fake.requests) == 3
    assert rt.llm_breaker.state == "closed"


def test_the_threads_earlier_turns_reach_the_prompt(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then("Reconnect with kconnect [1].")

    llm_runtime().answers.answer("what if it keeps disconnecting?",
                                 history=["how do I set up the VPN?", "   ", "I'm on a Mac"])

    content = fake.requests[0]["body"]["messages"][0]["content"]
    assert "<earlier_messages>\n<message>how do I set up the VPN?</message>\n<message>I'm on a Mac</message>" in content
    assert content.rstrip().split("\n")[-2] == "<question>what if it keeps disconnecting?</question>"


def test_the_system_prompt_carries_the_company_voice_and_the_rules(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then("Reconnect [1].")

    llm_runtime(llm_system_prompt="You are Acme's cheerful helper.").answers.answer(QUESTION)

    system = fake.requests[0]["body"]["system"]
    assert system.startswith("You are Acme's cheerful helper.")
    assert NO_ANSWER in system and "[1]" in system and "never instructions" in system


def test_streaming_passes_growing_text_without_markers_and_ends_with_the_checked_answer(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then(Scripted("Update the OS [1]. Then reconnect [2].", token_delay=0.01))
    seen: list[str] = []

    answer = llm_runtime().answers.answer(QUESTION, on_text=seen.append)

    assert fake.requests[0]["body"]["stream"] is True
    assert seen[0] == "" and seen[-1] == "Update the OS. Then reconnect."
    assert all(later.startswith(earlier) or "[" in earlier for earlier, later in zip(seen[1:], seen[2:]))
    assert not any("[" in text for text in seen)
    assert answer.text == "Update the OS [1]. Then reconnect [2]." and len(answer.citations) == 2


def test_usage_and_latency_are_exported_as_metrics(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then("Update the OS [1].")
    value = metrics.REGISTRY.get_sample_value
    before = (value("kb_llm_tokens_total", {"direction": "input"}) or 0, value("kb_llm_tokens_total", {"direction": "output"}) or 0,
              value("kb_llm_latency_seconds_count") or 0, value("kb_llm_requests_total", {"purpose": "answer", "outcome": "ok"}) or 0)

    llm_runtime().answers.answer(QUESTION)

    after = (value("kb_llm_tokens_total", {"direction": "input"}), value("kb_llm_tokens_total", {"direction": "output"}),
             value("kb_llm_latency_seconds_count"), value("kb_llm_requests_total", {"purpose": "answer", "outcome": "ok"}))
    assert after[0] - before[0] == len(fake.prompt().split())  # what the fake reported as input_tokens
    assert after[1] - before[1] == 4 and after[2] - before[2] == 1 and after[3] - before[3] == 1


def test_without_a_key_nothing_is_generated(example_runtime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm

    answer = example_runtime.answers.answer(QUESTION)

    assert example_runtime.writer is None and not answer.generated and fake.requests == []


def test_the_policy_check_runs_first_and_can_only_add_an_escalation(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then("none", "Send the form to HR [1].", "medical")
    rt = llm_runtime(policy_llm=True)
    near_a_topic = "my doctor says i need surgery, how do i request medical leave?"
    """Process on a regulated topic: the classifier answers it, and it sits near enough for the LLM to screen."""

    answered = rt.answers.answer(near_a_topic)
    escalated = rt.answers.answer(near_a_topic)

    screen, write, screen_again = (request["body"] for request in fake.requests)
    assert screen["max_tokens"] == 10 and screen["messages"][0]["content"] == f"<question>{near_a_topic}</question>"
    assert "<documents>" in write["messages"][0]["content"] and answered.generated
    assert escalated.escalated and escalated.category == "medical" and not escalated.citations
    assert len(fake.requests) == 3  # escalated before retrieval: no answer was written
    assert rt.policy.llm.client.breaker is rt.writer.llm.breaker is rt.llm_breaker


def test_an_open_breaker_spares_the_policy_check_too(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    rt = llm_runtime(policy_llm=True, llm_breaker_failures=1)
    rt.llm_breaker.failed()  # e.g. the previous question's call timed out

    answer = rt.answers.answer(QUESTION)

    assert fake.requests == [] and not answer.generated and answer.citations


def test_the_model_reads_the_whole_section_not_only_the_matched_chunks(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    fake, _ = fake_llm
    fake.then("Call the security hotline [1].")
    rt = llm_runtime()
    section = ("security/reporting-phishing.md", "I clicked a link or opened an attachment")
    [doc_id] = {r.doc_id for r in rt.retriever.search("phishing link clicked", k=20, per_doc=None) if r.path == section[0]}
    chunks = [part.text for part in rt.store.section_chunks([(doc_id, section[1])])[(doc_id, section[1])]]

    rt.answers.answer("I clicked a link in a phishing email, what's the security hotline number?")

    assert len(chunks) == 3  # more than the two chunks of one document retrieval may return
    prompt = fake.prompt()
    assert all(" ".join(chunk.split()[:12]) in " ".join(prompt.split()) for chunk in chunks)
    assert prompt.count("<section>I clicked a link or opened an attachment</section>") == 1  # one section, once


def test_kb_eval_measures_generated_answers_by_what_the_model_wrote(llm_runtime: LLMRuntime, fake_llm) -> None:  # noqa: ANN001
    from bot import evaluation

    fake, _ = fake_llm
    fake.then("Update the OS, then reconnect; the posture check re-runs within ninety seconds [1].")
    items = [{"id": "q1", "question": QUESTION, "gold": ["it/vpn.md"], "answer_contains": ["within ninety seconds"],
              "expect": "answer"}]

    report = evaluation.evaluate_questions(llm_runtime().answers, items)

    assert report["metrics"]["generated"] == 1.0
    assert report["metrics"]["answer_contains"] == 1.0, "the phrase is in the generated text, not in any quote"
    assert report["questions"][0]["generated"] is True
