"""Questions asked over the wire in Slack and Teams end up in `kb report --json`: grouped, without user ids.

The bots are the real servers (Bolt, botbuilder) on local ports talking to the fake Slack Web API
and the fake Bot Framework connector; the report is read back through the CLI, as an admin would.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.records.questions import QuestionTable
from bot.cli import app
from bot.runtime import Runtime
from tests.fakes.slack_api import BOT_USER_ID
from tests.fakes.slack_events import app_mention, direct_message
from tests.fakes.teams_activities import personal_message
from tests.surfaces.conftest import SlackBotFactory, TeamsBotFactory
from tests.surfaces.test_slack_answers import in_thread
from tests.surfaces.test_slack_feedback import ask_a_person, not_helpful

PET = ["is there a pet insurance benefit?", "do we get pet insurance", "can I get insurance for my dog"]
CRISIS = "I want to kill myself"
PIP = "my manager put me on a PIP yesterday, should I start looking for another job?"
SLACK_QUEUES = ["hr=C0HRQUEUE", "legal=C0LEGALQU", "benefits=C0BENEFIT", "people_partner=C0PEOPLEP",
                "helpdesk=C0HELPDSK"]
USER_IDS = ["U0000ASKER", "U0000OTHER", "D0000ASKER", "29:user-1", "aad-user-1"]


def kb_report(runtime: Runtime, *args: str) -> dict:
    result = CliRunner().invoke(app, ["report", "--json", "--data-dir", runtime.settings.data_dir, *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def slack_ask(bot, text: str, **where: str) -> tuple[dict, object]:  # noqa: ANN001 - SlackBot, Call
    event = (direct_message(text, **where) if where.pop("dm", None) else
             app_mention(f"<@{BOT_USER_ID}> {text}", **where))
    bot.send_event(event)
    [reply] = bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    return event, reply


def teams_ask(bot, text: str) -> None:  # noqa: ANN001 - TeamsBot
    activity = personal_message(bot.connector_url, text)
    bot.send(activity)
    bot.connector.wait_for(lambda sent: any(s.reply_to_id == activity["id"] and (s.cards or s.text) for s in sent))


def stored_rows(runtime: Runtime) -> list[dict]:
    table = QuestionTable(runtime.records).table(create=False, latest=True)
    return [] if table is None else table.to_arrow().drop_columns(["vector"]).to_pylist()


def test_questions_from_slack_and_teams_are_reported_by_topic_without_user_ids(
        own_index: Runtime, slack_bot: SlackBotFactory, teams_bot: TeamsBotFactory) -> None:
    slack = slack_bot(runtime=own_index, queue_slack_channels=SLACK_QUEUES)
    teams = teams_bot(runtime=own_index)

    slack_ask(slack, PET[0], channel="C0000GENRL")
    slack_ask(slack, PET[1], dm="yes", user="U0000OTHER", channel="D0000OTHER")
    event, vpn = slack_ask(slack, "how do I set up the VPN?", channel="C0000GENRL")
    offer = not_helpful(slack, event, vpn)
    ask_a_person(slack, event, offer)
    slack.fake.wait_for("chat.postMessage", lambda call: call.args.get("channel") == "C0HELPDSK")
    slack_ask(slack, PIP, channel="C0000GENRL")
    slack_ask(slack, CRISIS, dm="yes")
    slack.drain()
    teams_ask(teams, PET[2])
    teams_ask(teams, "who won the office chili cookoff")
    teams_ask(teams, "How do I reset my password?")
    teams.drain()

    report = kb_report(own_index)

    assert report["questions"] == 8 and report["askers"] == 3  # two Slack people, one Teams person
    assert (report["answered"], report["not_found"], report["escalated"]) == (2, 4, 2)
    assert report["not_helpful"] == 1 and report["asked_person"] == 1
    assert report["surfaces"]["slack"] == {"questions": 5, "answered": 1, "not_found": 2, "escalated": 2,
                                           "dm": 2, "channel": 3}
    assert report["surfaces"]["teams"]["questions"] == 3 and report["surfaces"]["teams"]["dm"] == 3
    assert report["escalations"]["categories"] == {"termination": 1, "mental_health": 1}
    pets = report["gaps"][0]
    assert pets["count"] == 3 and {pets["topic"], *pets["examples"]} == set(PET), "one topic, asked on both surfaces"
    others = {gap["topic"]: gap for gap in report["gaps"][1:]}
    assert set(others) == {"who won the office chili cookoff", "how do I set up the VPN?"}
    assert others["how do I set up the VPN?"]["not_helpful"] == 1 and others["how do I set up the VPN?"]["asked_person"] == 1
    assert any(doc["path"] == "it/vpn.md" and doc["not_helpful"] == 1 for doc in report["documents"]["most_not_helpful"])
    assert {queue["queue"] for queue in report["queues"]} == {"helpdesk", "people_partner", "hr"}
    assert all(queue["opened"] == 1 and queue["claimed"] == 0 for queue in report["queues"])

    printed = json.dumps(report)
    rows = stored_rows(own_index)
    assert not any(user in printed for user in USER_IDS), "the report names nobody"
    assert not any(user in json.dumps(rows, default=str) for user in USER_IDS), "nor does the table"
    [crisis] = [row for row in rows if row["withheld"]]
    assert crisis["question"] == "" and crisis["outcome"] == "escalated" and crisis["category"] == "mental_health"
    assert "kill" not in json.dumps(rows, default=str) and "kill" not in printed


def test_kb_ask_and_kb_eval_record_nothing(own_index: Runtime, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": PET[1], "gold": [], "expect": "no_answer"}) + "\n")
    data = ["--data-dir", own_index.settings.data_dir]

    asked = CliRunner().invoke(app, ["ask", PET[0], "--json", *data], catch_exceptions=False)
    evaluated = CliRunner().invoke(app, ["eval", str(questions), "--json", *data], catch_exceptions=False)

    assert asked.exit_code == 0 and json.loads(asked.stdout)["no_answer"] is True
    assert evaluated.exit_code == 0, evaluated.output
    assert stored_rows(own_index) == [] and kb_report(own_index)["questions"] == 0


def test_with_recording_off_chat_questions_store_nothing(own_index: Runtime, slack_bot: SlackBotFactory) -> None:
    slack = slack_bot(runtime=own_index, record_questions=False)

    _, answer = slack_ask(slack, PET[0])
    event, vpn = slack_ask(slack, "how do I set up the VPN?")
    not_helpful(slack, event, vpn)
    slack.drain()

    assert answer.args["text"] and "VPN" in vpn.args["text"], "askers are answered as ever"
    assert stored_rows(own_index) == []
    assert kb_report(own_index)["questions"] == 0


def test_questions_past_retention_are_purged(own_index: Runtime, slack_bot: SlackBotFactory) -> None:
    slack = slack_bot(runtime=own_index, question_retention_days=30)
    slack_ask(slack, PET[0])
    slack_ask(slack, PET[1])
    slack.drain()
    recorder = slack.services.questions
    table = recorder.questions.table()
    [first, _] = sorted(stored_rows(own_index), key=lambda row: row["at"])
    table.update(where=f"id = '{first['id']}'", values={"at": datetime.now(timezone.utc) - timedelta(days=31)})

    purged = recorder.purge()

    assert purged == 1
    assert [row["question"] for row in stored_rows(own_index)] == [PET[1]]
    assert kb_report(own_index, "--since", "60d")["questions"] == 1


@pytest.mark.parametrize("period", ["7", "0d", "seven days", "7y"])
def test_a_bad_period_is_refused_clearly(own_index: Runtime, period: str) -> None:
    result = CliRunner().invoke(app, ["report", "--since", period, "--data-dir", own_index.settings.data_dir])

    assert result.exit_code == 1 and "is not a period" in result.output
