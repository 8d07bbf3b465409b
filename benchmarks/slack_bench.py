"""Slack answer latency: from a signed Events API request to the answer's recorded chat.postMessage.

Runs the real server (`bot.server.build_app`, the application `kb serve` runs) on a local port with
a fake Slack Web API beside it, indexes the example runbooks (or reuses --data-dir), then sends
signed app_mention events and times each until the fake records the threaded answer. Also prints
how long the HTTP ack took, which Slack needs within 3 seconds.

    .venv/bin/python benchmarks/slack_bench.py [--questions 60] [--concurrency 1] [--data-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pydantic import SecretStr  # noqa: E402

from bot import logs  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.conversation.services import ChatServices  # noqa: E402
from bot.index.sources import local_folder  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.server import build_app  # noqa: E402
from bot.surfaces.slack.surface import SlackSurface  # noqa: E402
from tests.fakes.aio import LoopThread  # noqa: E402
from tests.fakes.slack_api import BOT_TOKEN, BOT_USER_ID, FakeSlackAPI  # noqa: E402
from tests.fakes.slack_events import SIGNING_SECRET, app_mention, event_callback, signed_headers  # noqa: E402

T = TypeVar("T")

QUESTIONS = [
    "how do I reset my password?", "how many weeks of parental leave do I get?", "how do I connect to the VPN?",
    "what do I do if I lose my phone with MFA on it?", "how do I claim travel expenses?", "when are the company holidays?",
    "how do I request access to a system?", "who do I tell about a phishing email?", "how do I set up my new laptop?",
    "how do I enrol in benefits?", "can I work from abroad?", "how do I connect to the guest wifi?",
    "what happens on my last day?", "how do I install software?", "how do I add a printer?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values_ms: list[float], *, with_max: bool = False) -> dict[str, float]:
    """p50 and p95 (and the maximum) of latencies in milliseconds, rounded for printing."""
    figures = {"p50": round(statistics.median(values_ms), 1), "p95": round(percentile(values_ms, 95), 1)}
    return {**figures, "max": round(max(values_ms), 1)} if with_max else figures


def timed(one: Callable[[int], T], questions: int, concurrency: int = 1) -> tuple[list[T], float]:
    """`one(n)` for n in range(questions), `concurrency` at a time, after one untimed warm-up call
    (the first request also pays the surface's start-up: Bolt's auth.test, a first connector call).
    Returns the results and the wall-clock seconds."""
    one(-1)
    clock = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(questions)))
    return results, time.perf_counter() - clock


def indexed_examples(data_dir: str | None, prefix: str) -> tuple[Runtime, float]:
    """The example runbooks indexed (in a temp dir unless `data_dir`) and the model warmed up; sync seconds."""
    runtime = Runtime(Settings(data_dir=data_dir or tempfile.mkdtemp(prefix=prefix)))
    started = time.perf_counter()
    runtime.sync_engine.sync(local_folder(str(REPO / "examples" / "runbooks"), runtime.settings))
    index_seconds = time.perf_counter() - started
    runtime.answers.answer("warm up")  # model loaded and first-query costs paid before timing
    return runtime, index_seconds


def slack_server(loop: LoopThread, runtime: Runtime, **settings: object) -> tuple[FakeSlackAPI, str]:
    """The bot server with the Slack surface over `runtime`'s index, and a fake Slack Web API beside it;
    `settings` override the runtime's. Returns the fake and the bot's /slack/events URL."""
    fake = FakeSlackAPI()
    fake_url = loop.serve(fake.app())
    rt = Runtime(runtime.settings.model_copy(update={
        "slack_bot_token": SecretStr(BOT_TOKEN), "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_api_url": f"{fake_url}/api/", "user_rate_limit": 0, "slack_looking_after": 10.0, **settings}))
    rt.store, rt.embedder = runtime.store, runtime.embedder
    surface = SlackSurface(ChatServices(rt))
    return fake, loop.serve(build_app(rt, surfaces=[surface])) + "/slack/events"


def post_event(url: str, event: dict) -> tuple[float, float]:
    """POST `event` signed as Slack does; when it was sent and when the ack came back (perf_counter)."""
    body = json.dumps(event_callback(event))
    request = urllib.request.Request(url, data=body.encode(), headers=signed_headers(body), method="POST")
    sent = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    return sent, time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=60, help="Signed mentions to send.")
    parser.add_argument("--concurrency", type=int, default=1, help="Requests in flight at once.")
    parser.add_argument("--data-dir", help="An index of examples/runbooks to reuse (default: build one in a temp dir).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()
    logs.configure("WARNING", "console")

    runtime, index_seconds = indexed_examples(args.data_dir, "kb-slack-bench-")
    core = []
    for n in range(len(QUESTIONS)):  # the answer core alone, for the share Slack and the server add
        clock = time.perf_counter()
        runtime.answers.answer(QUESTIONS[n])
        core.append((time.perf_counter() - clock) * 1000)

    with LoopThread() as loop:
        fake, url = slack_server(loop, runtime)

        def one(n: int) -> tuple[float, float]:
            event = app_mention(f"<@{BOT_USER_ID}> {QUESTIONS[n % len(QUESTIONS)]}", channel=f"C{n:09d}")
            sent, acked = post_event(url, event)
            [answer] = fake.wait_for("chat.postMessage", lambda c: c.args.get("thread_ts") == event["ts"], timeout=60)
            return acked - sent, answer.at - sent

        results, wall = timed(one, args.questions, args.concurrency)

    acks = [ack * 1000 for ack, _ in results]
    answers = [answer * 1000 for _, answer in results]
    report = {
        "questions": args.questions, "concurrency": args.concurrency, "chunks": runtime.store.count_chunks(),
        "index_seconds": round(index_seconds, 1),
        "answer_ms": summary(answers, with_max=True),
        "ack_ms": summary(acks, with_max=True),
        "core_answer_ms": summary(core),
        "answers_per_second": round(args.questions / wall, 2),
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"examples/runbooks: {report['chunks']} chunks (indexed in {report['index_seconds']}s)")
    print(f"{args.questions} signed app_mentions, {args.concurrency} at a time, {report['answers_per_second']} answers/s")
    print(f"signed request -> chat.postMessage: p50 {report['answer_ms']['p50']} ms, p95 {report['answer_ms']['p95']} ms, "
          f"max {report['answer_ms']['max']} ms")
    print(f"answer core alone (same questions): p50 {report['core_answer_ms']['p50']} ms, "
          f"p95 {report['core_answer_ms']['p95']} ms")
    print(f"signed request -> HTTP ack:         p50 {report['ack_ms']['p50']} ms, p95 {report['ack_ms']['p95']} ms, "
          f"max {report['ack_ms']['max']} ms")


if __name__ == "__main__":
    main()
