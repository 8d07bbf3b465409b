"""Teams answer latency: from an activity POSTed to /api/messages to the answer card the connector records.

Runs the real server (`bot.server.build_app`) with the Teams surface (anonymous, as with an empty
MICROSOFT_APP_ID) and a fake Bot Framework connector as the activities' serviceUrl, indexes the
example runbooks (or reuses --data-dir), then sends personal-chat messages and times each until the
threaded answer card is recorded. Also prints the HTTP response time (the Bot Framework allows 15 s).

    .venv/bin/python benchmarks/teams_bench.py [--questions 60] [--concurrency 1] [--data-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.slack_bench import QUESTIONS, indexed_examples, summary, timed  # noqa: E402 - also sets HF_HUB_OFFLINE
from bot import logs  # noqa: E402
from bot.conversation.services import ChatServices  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.server import build_app  # noqa: E402
from bot.surfaces.teams.surface import TeamsSurface  # noqa: E402
from tests.fakes.aio import LoopThread  # noqa: E402
from tests.fakes.teams_activities import personal_message  # noqa: E402
from tests.fakes.teams_connector import FakeConnector  # noqa: E402


async def _surface(chat: ChatServices) -> TeamsSurface:
    return TeamsSurface(chat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=60, help="Messages to send.")
    parser.add_argument("--concurrency", type=int, default=1, help="Requests in flight at once.")
    parser.add_argument("--data-dir", help="An index of examples/runbooks to reuse (default: build one in a temp dir).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()
    logs.configure("WARNING", "console")

    runtime, _ = indexed_examples(args.data_dir, "kb-teams-bench-")

    with LoopThread() as loop:
        connector = FakeConnector()
        connector_url = loop.serve(connector.app())
        rt = Runtime(runtime.settings.model_copy(update={"microsoft_app_id": "", "mode": "development",
                                                       "user_rate_limit": 0}))
        rt.store, rt.embedder = runtime.store, runtime.embedder
        surface = loop.run(_surface(ChatServices(rt)))
        url = loop.serve(build_app(rt, surfaces=[surface])) + "/api/messages"

        def one(n: int) -> tuple[float, float]:
            activity = personal_message(connector_url, QUESTIONS[n % len(QUESTIONS)], user=f"29:bench-{n}", aad=f"aad-{n}")
            request = urllib.request.Request(url, data=json.dumps(activity).encode(), method="POST",
                                             headers={"Content-Type": "application/json"})
            sent = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status in (200, 201, 202)
            responded = time.perf_counter()
            sent_list = connector.wait_for(lambda s: any(m.reply_to_id == activity["id"] and m.cards for m in s), timeout=60)
            answer = next(m for m in sent_list if m.reply_to_id == activity["id"] and m.cards)
            return responded - sent, answer.at - sent

        results, wall = timed(one, args.questions, args.concurrency)

    http = [r * 1000 for r, _ in results]
    answers = [a * 1000 for _, a in results]
    report = {
        "questions": args.questions, "concurrency": args.concurrency,
        "answer_ms": summary(answers, with_max=True),
        "http_ms": summary(http),
        "answers_per_second": round(args.questions / wall, 2),
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"{args.questions} personal messages, {args.concurrency} at a time, {report['answers_per_second']} answers/s")
    print(f"POST /api/messages -> answer card recorded: p50 {report['answer_ms']['p50']} ms, "
          f"p95 {report['answer_ms']['p95']} ms, max {report['answer_ms']['max']} ms")
    print(f"POST /api/messages -> HTTP response:        p50 {report['http_ms']['p50']} ms, p95 {report['http_ms']['p95']} ms")


if __name__ == "__main__":
    main()
