"""Streamed answers in Slack: time to the first shown text and to the final answer, against a fake model.

Runs the real server with the Slack surface, the real anthropic SDK streaming from the local fake
Messages API (a fixed reply of --words words, one server-sent event per word, --token-delay
seconds apart) and the fake Slack Web API recording the draft message and its chat.update edits.
For each signed app_mention it reports when the placeholder was posted, when the first generated
text was shown, when the final answer (with sources) replaced it, and how many edits were made.

    .venv/bin/python benchmarks/llm_bench.py [--questions 10] [--words 80] [--token-delay 0.02] [--data-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.slack_bench import (QUESTIONS, indexed_examples, post_event, slack_server, summary,  # noqa: E402 - also sets HF_HUB_OFFLINE
                                    timed)
from pydantic import SecretStr  # noqa: E402

from bot import logs  # noqa: E402
from tests.fakes.aio import LoopThread  # noqa: E402
from tests.fakes.anthropic_messages import FakeMessages  # noqa: E402
from tests.fakes.slack_api import BOT_USER_ID  # noqa: E402
from tests.fakes.slack_events import app_mention  # noqa: E402

SENTENCE = "Open kconnect, choose Reconnect and sign in again with your usual password [1]."


def reply(words: int) -> str:
    """A cited reply of about `words` words."""
    per = len(SENTENCE.split())
    return " ".join([SENTENCE] * max(1, round(words / per)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10, help="Signed mentions to send, one at a time.")
    parser.add_argument("--words", type=int, default=80, help="Words in the fake model's reply.")
    parser.add_argument("--token-delay", type=float, default=0.02, help="Seconds between streamed words.")
    parser.add_argument("--update-every", type=float, default=1.0, help="KB_LLM_UPDATE_EVERY.")
    parser.add_argument("--data-dir", help="An index of examples/runbooks to reuse (default: build one in a temp dir).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()
    logs.configure("WARNING", "console")

    runtime, _ = indexed_examples(args.data_dir, "kb-llm-bench-")
    text = reply(args.words)

    with LoopThread() as loop:
        model = FakeMessages(reply=lambda question: text, token_delay=args.token_delay)
        model_url = loop.serve(model.app())
        slack, url = slack_server(loop, runtime, anthropic_api_key=SecretStr("sk-bench"), anthropic_base_url=model_url,
                                  policy_llm=False, llm_update_every=args.update_every, llm_timeout=60.0)

        def one(n: int) -> dict[str, float]:
            event = app_mention(f"<@{BOT_USER_ID}> {QUESTIONS[n % len(QUESTIONS)]}", channel=f"C{n + 10:09d}")
            sent, _ = post_event(url, event)
            [draft] = slack.wait_for("chat.postMessage", lambda c: c.args.get("thread_ts") == event["ts"], timeout=60)
            ts = draft.response["ts"]
            slack.wait_for("chat.update", lambda c: c.args.get("ts") == ts and bool(c.args.get("blocks")), timeout=120)
            updates = slack.recorded("chat.update", lambda c: c.args.get("ts") == ts)
            partial = [c for c in updates if not c.args.get("blocks")]
            first_text = partial[0].at if partial else updates[-1].at
            return {"placeholder": (draft.at - sent) * 1000, "first_text": (first_text - sent) * 1000,
                    "final": (updates[-1].at - sent) * 1000, "edits": len(updates)}

        results, _ = timed(one, args.questions)

    stream_ms = args.words * args.token_delay * 1000
    report = {
        "questions": args.questions, "words": len(text.split()), "token_delay_s": args.token_delay,
        "update_every_s": args.update_every, "stream_ms": round(stream_ms, 1),
        "placeholder_ms": summary([r["placeholder"] for r in results]),
        "first_text_ms": summary([r["first_text"] for r in results]),
        "final_ms": summary([r["final"] for r in results]),
        "edits_per_answer": round(statistics.mean(r["edits"] for r in results), 1),
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"fake model: {report['words']} words, one every {args.token_delay * 1000:g} ms "
          f"(the stream alone takes ~{stream_ms:.0f} ms); edits at most every {args.update_every:g} s")
    print(f"{args.questions} signed app_mentions, one at a time:")
    for label, key in (("placeholder posted", "placeholder_ms"), ("first text shown", "first_text_ms"),
                       ("final answer + sources", "final_ms")):
        print(f"  request -> {label:<24} p50 {report[key]['p50']:>7} ms   p95 {report[key]['p95']:>7} ms")
    print(f"  chat.update calls per answer: {report['edits_per_answer']}")


if __name__ == "__main__":
    main()
