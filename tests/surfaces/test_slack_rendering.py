"""Slack text in, Block Kit out: pure translation, checked on awkward input."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer.model import Answer, Citation
from bot.surfaces.slack.blocks import VALUE_LIMIT, FeedbackRef, age, answer_blocks, escape, link
from bot.surfaces.slack.text import question_from_slack, thread_history

BOT = "UKBBOT0001"


def test_question_loses_slack_markup_but_keeps_the_words() -> None:
    text = (f"<@{BOT}> hi <@U0OTHER|ana>, see <https://wiki.example.com/vpn|the VPN page> &amp; <#C0IT|it-help>\n"
            "```sudo apt install vpn```\n• first `step`\n2. *second* _step_ :thinking_face: &lt;tag&gt; <!here>")

    question = question_from_slack(text, BOT)

    assert question == ("hi @ana, see the VPN page & #it-help\n\nsudo apt install vpn\n\nfirst step\n"
                        "second step <tag>")


def test_bare_links_and_mailto_keep_their_target() -> None:
    assert question_from_slack("<https://x.example/a> or <mailto:it@example.com|it@example.com>") == \
        "https://x.example/a or it@example.com"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_cleaning_never_fails_and_never_keeps_the_bots_mention(text: str) -> None:
    cleaned = question_from_slack(f"<@{BOT}> {text}", BOT)

    assert isinstance(cleaned, str) and not cleaned.startswith(f"<@{BOT}>")


def test_thread_history_is_the_peoples_earlier_messages_in_order() -> None:
    messages = [
        {"user": "U1", "text": f"<@{BOT}> how do I set up the VPN?", "ts": "1700000000.000100"},
        {"user": BOT, "bot_id": "B1", "text": "From *VPN* ...", "ts": "1700000000.000200"},
        {"user": "U2", "text": "same question on mac", "ts": "1700000000.000300"},
        {"user": "U1", "text": "edited", "subtype": "message_changed", "ts": "1700000000.000350"},
        {"user": "U1", "text": "what about my phone?", "ts": "1700000000.000400"},
        {"user": "U1", "text": "later", "ts": "1700000000.000500"},
    ]

    assert thread_history(messages, "1700000000.000400", BOT) == ["how do I set up the VPN?", "same question on mac"]


def citation(n: int, **extra) -> Citation:  # noqa: ANN003
    return Citation(title=f"Doc {n} <&>", url=f"https://wiki.example.com/doc{n}|x>y", path=f"hr/doc{n}.md",
                    section="Who > what", snippet="line one\nline two " + "x" * 400, doc_id=f"local:/r/hr/doc{n}.md",
                    updated_at=datetime.now(timezone.utc) - timedelta(days=3), **extra)


def test_answer_blocks_number_at_most_five_sources_with_escaped_links() -> None:
    answer = Answer(question="q", text="From *Doc 1* [1]:\n> a < b & c", citations=[citation(n) for n in range(7)])

    blocks = answer_blocks(answer, FeedbackRef("a1", "q", [c.doc_id for c in answer.citations[:5]]))

    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert texts[0] == "From *Doc 1* <https://wiki.example.com/doc0%7Cx%3Ey|[1]>:\n> a &lt; b &amp; c"  # [n] links to source n
    sources = texts[1:]
    assert len(sources) == 5
    assert sources[0].startswith("*1.* <https://wiki.example.com/doc0%7Cx%3Ey|Doc 0 &lt;&amp;&gt; › Who &gt; what>\n")
    assert "\n" not in sources[0].split("\n", 1)[1] and sources[0].endswith("…")
    contexts = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert "Runbooks folder · updated 3 days ago · `hr/doc0.md`" in contexts
    assert len(blocks) <= 50 and len(json.dumps(blocks)) < 20_000


def test_markers_link_to_their_source_section_and_unknown_numbers_stay_text() -> None:
    answer = Answer(question="q", text="Update the OS [1]. Reconnect [2][7].", citations=[citation(n) for n in range(2)])

    [text] = [b["text"]["text"] for b in answer_blocks(answer, None) if b["type"] == "section"][:1]

    assert text == ("Update the OS <https://wiki.example.com/doc0%7Cx%3Ey|[1]>. "
                    "Reconnect <https://wiki.example.com/doc1%7Cx%3Ey|[2]>[7].")


def test_no_answer_has_no_sources_and_no_buttons() -> None:
    blocks = answer_blocks(Answer(question="q", text="I couldn't find this.", no_answer=True), None)
    assert [b["type"] for b in blocks] == ["section"]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=5000), st.lists(st.text(min_size=1, max_size=300), max_size=5))
def test_feedback_value_fits_slacks_limit_and_round_trips(question: str, doc_ids: list[str]) -> None:
    value = FeedbackRef("0123456789abcdef", question, doc_ids).encode()

    assert len(value) <= VALUE_LIMIT
    decoded = FeedbackRef.decode(value)
    assert decoded is not None and decoded.answer_id == "0123456789abcdef"
    assert question.startswith(decoded.question)
    assert doc_ids[: len(decoded.doc_ids)] == decoded.doc_ids


def test_helpers_escape_and_age() -> None:
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert escape("> quote > x", keep_quotes=True) == "> quote &gt; x"
    assert link("https://x/a b", "T|x") == "<https://x/a%20b|T¦x>"
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert age(now, now) == "updated today"
    assert age(now - timedelta(days=400), now) == "updated 13 months ago"
    assert age(None) is None
