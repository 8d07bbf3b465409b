"""The report in chat, over the wire: `/kb report` and Teams' `report` for admins only and privately,
and the weekly digest posted to the admin channels by the scheduler's job."""

from __future__ import annotations

import asyncio

from bot.conversation import wording
from bot.conversation.report import post_weekly_digest
from bot.runtime import Runtime
from bot.scheduler import start_scheduler
from tests.analytics.test_chat_questions_report import PET, slack_ask, teams_ask
from tests.fakes.teams_activities import channel_mention, personal_message
from tests.surfaces.conftest import ADMIN, TEAMS_ADMIN_AAD, SlackBotFactory, TeamsBotFactory

REPORTS_SLACK = "C0000REPRT"
REPORTS_TEAMS = "19:kb-admins@thread.tacv2"


def test_slack_admin_gets_the_summary_in_a_direct_message_and_others_are_refused(
        own_index: Runtime, slack_bot: SlackBotFactory) -> None:
    bot = slack_bot(runtime=own_index)
    slack_ask(bot, PET[0])
    slack_ask(bot, PET[1])
    bot.drain()

    refused = bot.command("report", user="U0000ASKER").json()
    sending = bot.command("report 30d", user=ADMIN).json()
    [summary] = bot.fake.wait_for("chat.postMessage", lambda call: call.args.get("channel") == ADMIN)
    bot.drain()

    assert refused["text"] == wording.REPORT_REFUSED and refused["response_type"] == "ephemeral"
    assert sending["text"] == "I'll send you the question report in a direct message."
    assert sending["response_type"] == "ephemeral"
    text = summary.args["text"]
    assert "2 questions from 1 people" in text and "100% not found" in text
    assert "1. “is there a pet insurance benefit?”: 2 questions — e.g. “do we get pet insurance”" in text
    assert "kb report --html" in text, "where the full report is"
    assert [call.args["channel"] for call in bot.fake.recorded("chat.postMessage")
            if "kb report" in call.args.get("text", "")] == [ADMIN], "nobody else got it"
    assert bot.command("report soon", user=ADMIN).json()["text"] == wording.REPORT_USAGE


def test_teams_report_only_for_admins_and_only_in_a_personal_chat(own_index: Runtime,
                                                                  teams_bot: TeamsBotFactory) -> None:
    bot = teams_bot(runtime=own_index)
    teams_ask(bot, PET[2])
    teams_ask(bot, "who won the office chili cookoff")

    for activity in (personal_message(bot.connector_url, "report", aad="aad-someone-else"),
                     channel_mention(bot.connector_url, "report", aad=TEAMS_ADMIN_AAD),
                     personal_message(bot.connector_url, "report 2w", aad=TEAMS_ADMIN_AAD)):
        bot.send(activity)
        bot.connector.wait_for(lambda sent, a=activity: any(s.reply_to_id == a["id"] and s.text for s in sent))
    bot.drain()

    replies = [s.text for s in bot.connector.messages() if "report" in s.text.lower() or "questions" in s.text]
    assert replies[0] == wording.REPORT_REFUSED
    assert replies[1] == "The question report names what people asked, so I only send it privately: " \
                         "message me `report` in a personal chat."
    assert "2 questions from 1 people" in replies[2]
    assert "is there a pet insurance benefit?" not in replies[2] and "can I get insurance for my dog" in replies[2]


def test_weekly_digest_goes_to_the_slack_and_teams_admin_channels(
        own_index: Runtime, slack_bot: SlackBotFactory, teams_bot: TeamsBotFactory) -> None:
    slack = slack_bot(runtime=own_index, report_slack_channel=REPORTS_SLACK, report_url="https://kb.example/report")
    teams = teams_bot(runtime=own_index, report_teams_channel=REPORTS_TEAMS, report_url="https://kb.example/report")
    slack_ask(slack, PET[0])
    teams_ask(teams, PET[1])  # also tells the Teams surface its connector and tenant, as any message does
    slack.drain()
    teams.drain()

    assert slack.loop.run(post_weekly_digest(slack.services.runtime)) == ["slack"]
    assert teams.loop.run(post_weekly_digest(teams.services.runtime)) == ["teams"]

    [posted] = slack.fake.recorded("chat.postMessage", lambda call: call.args.get("channel") == REPORTS_SLACK)
    [card] = [s for s in teams.connector.messages() if s.conversation_id == REPORTS_TEAMS]
    for text in (posted.args["text"], card.text):
        assert "2 questions from 2 people" in text
        assert "is there a pet insurance benefit?" in text or "do we get pet insurance" in text
        assert "Full report: https://kb.example/report" in text


def test_the_digest_is_scheduled_by_kb_report_cron_when_a_channel_is_set(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"report_cron": "30 9 * * 5",
                                                           "report_slack_channel": REPORTS_SLACK})

    async def jobs() -> dict[str, str]:
        scheduler = start_scheduler(runtime)
        try:
            return {job.id: str(job.trigger) for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)

    scheduled = asyncio.run(jobs())

    assert "question-retention" in scheduled
    assert "minute='30'" in scheduled["weekly-report"] and "hour='9'" in scheduled["weekly-report"]
    assert "day_of_week='fri'" in scheduled["weekly-report"]
