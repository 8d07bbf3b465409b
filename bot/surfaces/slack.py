"""Slack: @mentions and DMs answered in their thread, feedback buttons, and the /kb command.

A translation layer, as STYLE.md asks: a Slack event becomes one call of `ChatServices` (which
holds dedupe, limits, admins, reindex, feedback and escalation for every surface) and its result
becomes Block Kit (`slack_blocks`). Events arrive over HTTP (`/slack/events`, signed) or Socket
Mode; both go through the same Bolt app, so both get the same listeners.

Slack wants an ack within 3 seconds: Bolt acks events before the listener runs, and the answer
itself runs in a worker thread, so the loop keeps acking while a question is answered.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import structlog
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.analytics import chat as report_chat
from bot.analytics.questions import QuestionEvent
from bot.answer.model import Answer
from bot.config import Settings
from bot.conversation.admins import lists_emails
from bot.conversation.escalation import NOT_THE_ASKER, OFFER, EscalationRequest
from bot.conversation.feedback import Feedback
from bot.conversation.reindex import AlreadyRunning, ReindexOutcome, ReindexRun, UnknownSource
from bot.conversation.services import ChatServices
from bot.conversation.streaming import LiveAnswer
from bot.surfaces import slack_blocks as blocks
from bot.surfaces import slack_groups, slack_people, slack_queue
from bot.surfaces.slack_client import api_error, web_client
from bot.surfaces.slack_text import question_from_slack, thread_history

log = structlog.get_logger(__name__)

COMMAND = "/kb"
EVENTS_PATH = "/slack/events"
LOOKING_REACTION = "mag"
ANSWERABLE_SUBTYPES = {None, "file_share", "thread_broadcast"}
"""Message subtypes that are a person asking something; edits, deletes, joins and bots are not."""
HISTORY_LIMIT = 50
MALFORMED = (AttributeError, LookupError, TypeError, ValueError)
"""What Bolt raises on payloads that are JSON or forms but not Slack's shapes (LookupError: a missing key, or
an empty `actions` list that its action matcher indexes)."""

RATE_LIMITED = ("You're asking faster than I can look things up. Give me a minute, then ask again "
                "(I'll skip the questions sent in the meantime).")
SORRY = "Sorry, something went wrong while I was looking that up. Please try again in a moment."


def configured(settings: Settings) -> bool:
    """Slack runs when there is a bot token and a way for events to arrive (signing secret or app token)."""
    return settings.slack_bot_token is not None and (settings.slack_signing_secret is not None
                                                     or settings.slack_app_token is not None)


def _ignorable(event: Mapping[str, Any]) -> str | None:
    """Why an event is not a person's question (None when it is)."""
    if event.get("bot_id") or event.get("bot_profile"):
        return "bot"
    if event.get("subtype") not in ANSWERABLE_SUBTYPES:
        return "subtype"
    if event.get("edited"):
        return "edit"
    return None


class SlackSurface:
    name = "slack"
    report_newline = "\n"
    report_escape = staticmethod(blocks.escape)
    """How the question report's summary is written here (bot.analytics.digest.ReportChannel)."""
    clock = staticmethod(time.monotonic)
    """Paces streamed edits (KB_LLM_UPDATE_EVERY); tests replace it to count updates without sleeping."""

    def __init__(self, services: ChatServices, settings: Settings | None = None) -> None:
        self.services = services
        self.settings = settings or services.settings
        secret = self.settings.slack_signing_secret.get_secret_value() if self.settings.slack_signing_secret else ""
        self.client = web_client(self.settings)
        bolt_logger = logging.getLogger("kb.slack_bolt")
        level = bolt_logger.level
        bolt_logger.setLevel(logging.ERROR)  # Bolt also reads SLACK_BOT_TOKEN and warns that our client wins: it should
        try:
            # Production verifies every HTTP request whatever is configured; HTTP is only mounted with a secret.
            verify = bool(secret) or self.settings.mode == "production"
            self.app = AsyncApp(client=self.client, signing_secret=secret, request_verification_enabled=verify,
                                process_before_response=False, logger=bolt_logger)
        finally:
            bolt_logger.setLevel(level)
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._socket: Any = None
        self.usergroups = (slack_groups.SlackUserGroups(web_client(self.settings, wait_when_rate_limited=False),
                                                        self.settings.slack_usergroups_ttl)
                           if self.settings.slack_usergroups else None)
        """Slack user groups as principals (KB_SLACK_USERGROUPS); None when off."""
        self._first_groups_read: asyncio.Task | None = None
        register(self.app, self)
        if services.desk is not None:  # escalations: queue posts, Claim/Resolve, the asker's thread
            services.desk.add_notifier(slack_queue.SlackQueueNotifier(self.settings))
            slack_queue.register_ticket_actions(self.app, self)

    # -- wiring into the one HTTP server ---------------------------------------------------------
    def mount(self, web_app: web.Application) -> None:
        if self.settings.slack_signing_secret is not None:
            web_app.router.add_post(EVENTS_PATH, self.handle_http)
        if self.settings.slack_app_token is not None:
            web_app.on_startup.append(self._connect_socket_mode)
        if self.usergroups is not None:
            web_app.on_startup.append(self._read_usergroups)
        web_app.on_shutdown.append(self._shutdown)

    async def handle_http(self, request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
            response = await self.app.async_dispatch(bolt_request)
        except MALFORMED as error:
            # Bolt parses the body before verifying it, and its middleware assumes Slack's shapes
            # (`"event": null`, `"authorizations": false` break it): the sender's fault, not ours.
            log.warning("slack.malformed_request", content_type=request.content_type, error_type=type(error).__name__)
            return web.json_response({"error": "malformed request body"}, status=400)
        return await to_aiohttp_response(response)

    async def _read_usergroups(self, _: web.Application) -> None:
        """The startup check: a missing usergroups:read scope is logged now, not at the first question.

        In the background, so the server starts whatever Slack answers; a question arriving
        meanwhile waits for this same read.
        """
        assert self.usergroups is not None
        self._first_groups_read = asyncio.get_running_loop().create_task(self.usergroups.current())

    async def _connect_socket_mode(self, _: web.Application) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        assert self.settings.slack_app_token is not None
        self._socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token.get_secret_value())
        await self._socket.connect_async()
        log.info("slack.socket_mode_connected")

    async def _shutdown(self, _: web.Application) -> None:
        if self._socket is not None:
            await self._socket.close_async()
        await self.drain(timeout=30)
        await self.services.reindexer.wait()

    async def drain(self, timeout: float) -> bool:
        """Wait for answers in progress to be posted; True when none is left."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    @asynccontextmanager
    async def tracked(self) -> AsyncIterator[None]:
        """Marks work that must finish before shutdown (and that `drain` waits for)."""
        self._inflight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()

    # -- questions -------------------------------------------------------------------------------
    async def answer_event(self, event: Mapping[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
                           kind: str) -> None:
        channel, ts, user = event.get("channel"), event.get("ts"), event.get("user")
        if not channel or not ts:
            log.warning("slack.event_unusable", kind=kind, missing=[k for k in ("channel", "ts") if not event.get(k)])
            return
        if reason := _ignorable(event):
            log.debug("slack.event_ignored", kind=kind, reason=reason)
            return
        async with self.tracked():
            # One message can reach us as two events (a mention in a thread we also follow): answer it once.
            if not await self.services.first_time(f"slack:message:{channel}:{ts}"):
                log.info("slack.duplicate_message", kind=kind, channel=channel, ts=ts)
                return
            metrics.SURFACE_EVENTS.labels("slack", kind).inc()
            started = time.monotonic()
            thread_ts = str(event.get("thread_ts") or ts)
            if await self.services.thread_escalated("slack", {"channel": str(channel), "thread_ts": thread_ts}):
                log.info("slack.thread_with_person", channel=channel)  # a person has it; the bot stays out
                return
            verdict = self.services.limiter.check(str(user or channel))
            if not verdict.allowed:
                log.info("slack.rate_limited", user=user, told=verdict.tell)
                if verdict.tell:
                    await self._post(client, channel=channel, thread_ts=thread_ts, text=RATE_LIMITED)
                return
            # Off the loop: cleaning is linear but a 50,000-character message still takes a moment.
            question = await asyncio.to_thread(question_from_slack, str(event.get("text") or ""), context.bot_user_id)
            log.info("slack.question", kind=kind, channel=channel, user=user, chars=len(question),
                     follow_up=thread_ts != ts)
            reacted = False
            draft = _Draft(client, channel, thread_ts)
            live = (LiveAnswer(asyncio.get_running_loop(), draft.show, self.settings.llm_update_every, self.clock)
                    if self.services.streams else None)
            try:
                history = await self._history(client, channel, thread_ts, str(ts), context.bot_user_id)
                asker = await slack_people.asker(client, self.services.people, event, self.usergroups)
                work = asyncio.ensure_future(self.services.answer(question, history, asker, on_text=live))
                reacted = await self._react_if_slow(client, channel, str(ts), work)
                answer = await work
            except Exception as error:  # the user hears something rather than silence
                log.exception("slack.answer_failed", error_type=type(error).__name__)
                answer = None
            if live is not None:
                await live.close()  # no preview may land after the final answer
            answer_id = None
            if answer is None:
                await self._post(client, channel=channel, thread_ts=thread_ts, text=SORRY, replace=draft.ts)
            elif answer.escalated:
                await slack_queue.post_escalation(self, client, channel, thread_ts, str(user or ""), answer)
            else:
                answer_id = await self._post_answer(client, channel, thread_ts, answer, replace=draft.ts,
                                                    asker=str(user or ""))
            if answer is not None:
                await self.services.record_question(QuestionEvent(
                    "slack", str(user or ""), direct=event.get("channel_type") == "im" or str(channel).startswith("D"),
                    answer=answer, seconds=time.monotonic() - started, answer_id=answer_id))
            if reacted:
                await self._react(client.reactions_remove, channel, str(ts))

    async def _history(self, client: AsyncWebClient, channel: str, thread_ts: str, ts: str,
                       bot_user_id: str | None) -> list[str]:
        """Earlier messages of the thread, for follow-ups; none for a new top-level question."""
        if thread_ts == ts:
            return []
        try:
            response = await client.conversations_replies(channel=channel, ts=thread_ts, limit=HISTORY_LIMIT)
        except SlackApiError as error:  # no history is a worse answer, not a failed one
            log.warning("slack.history_failed", error=api_error(error))
            return []
        return thread_history(response.get("messages") or [], ts, bot_user_id)

    async def _react_if_slow(self, client: AsyncWebClient, channel: str, ts: str, work: asyncio.Future) -> bool:
        """A :mag: on the question when the answer takes longer than KB_SLACK_LOOKING_AFTER; True if added."""
        done, _ = await asyncio.wait({work}, timeout=self.settings.slack_looking_after)
        return False if done else await self._react(client.reactions_add, channel, ts)

    @staticmethod
    async def _react(method: Any, channel: str, ts: str) -> bool:
        try:
            await method(channel=channel, timestamp=ts, name=LOOKING_REACTION)
            return True
        except SlackApiError as error:
            log.warning("slack.reaction_failed", error=api_error(error))
            return False

    async def _post_answer(self, client: AsyncWebClient, channel: str, thread_ts: str, answer: Answer,
                           replace: str | None = None, asker: str = "") -> str | None:
        """Post the answer in the thread, or turn the streamed draft `replace` (its ts) into it.

        Returns the answer id its feedback buttons carry (None: no sources, so no buttons)."""
        ref = None
        if answer.citations:
            ref = blocks.FeedbackRef(uuid.uuid4().hex[:16], answer.question, answer.cited_documents(blocks.MAX_SOURCES),
                                     asker)
        await self._post(client, channel=channel, thread_ts=thread_ts, text=blocks.answer_text(answer),
                         blocks=blocks.answer_blocks(answer, ref), unfurl_links=False, unfurl_media=False,
                         replace=replace)
        log.info("slack.answered", channel=channel, citations=len(answer.citations), no_answer=answer.no_answer,
                 escalated=answer.escalated, generated=answer.generated, streamed=replace is not None)
        return ref.answer_id if ref is not None else None

    @staticmethod
    async def _post(client: AsyncWebClient, replace: str | None = None, **kwargs: Any) -> None:
        """chat.postMessage, or chat.update of the message `replace` (a draft) with the same content."""
        try:
            if replace is None:
                await client.chat_postMessage(**kwargs)
            else:
                for option in ("thread_ts", "unfurl_links", "unfurl_media"):  # chat.update has none of these
                    kwargs.pop(option, None)
                await client.chat_update(ts=replace, **kwargs)
        except SlackApiError as error:
            log.error("slack.post_failed", error=api_error(error), channel=kwargs.get("channel"))

    # -- feedback and escalation -----------------------------------------------------------------
    async def feedback(self, body: Mapping[str, Any], client: AsyncWebClient, helpful: bool) -> None:
        action = (body.get("actions") or [{}])[0]
        ref = blocks.FeedbackRef.decode(action.get("value"))
        user = (body.get("user") or {}).get("id")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        message = body.get("message") or {}
        if ref is None or not user or not channel:
            log.warning("slack.feedback_unusable", has_ref=ref is not None, has_user=bool(user), has_channel=bool(channel))
            return
        metrics.SURFACE_EVENTS.labels("slack", "feedback").inc()
        await self.services.record_feedback(Feedback(surface="slack", user=user, answer_id=ref.answer_id, helpful=helpful,
                                                     question=ref.question, answer=str(message.get("text") or ""),
                                                     doc_ids=ref.doc_ids))
        log.info("slack.feedback", helpful=helpful, answer_id=ref.answer_id, user=user)
        if message.get("ts") and message.get("blocks"):
            try:
                await client.chat_update(channel=channel, ts=message["ts"], text=str(message.get("text") or ""),
                                         blocks=blocks.feedback_done_blocks(message["blocks"], helpful))
            except SlackApiError as error:
                log.warning("slack.feedback_update_failed", error=api_error(error))
        if not helpful and ref.may_hand_over(user):  # a bystander's verdict is kept, but the question is not theirs
            await self._ephemeral(client, channel, user, message.get("thread_ts") or message.get("ts"),
                                  text=OFFER,
                                  blocks=blocks.escalation_offer_blocks(ref))

    async def escalate(self, body: Mapping[str, Any], client: AsyncWebClient) -> None:
        action = (body.get("actions") or [{}])[0]
        ref = blocks.FeedbackRef.decode(action.get("value"))
        user = (body.get("user") or {}).get("id")
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        if ref is None or not user or not channel:
            log.warning("slack.escalation_unusable")
            return
        metrics.SURFACE_EVENTS.labels("slack", "action").inc()
        earlier = await asyncio.to_thread(self.services.feedback.for_answer, ref.answer_id)
        thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
        if not ref.may_hand_over(user):
            log.info("slack.escalation_refused", answer_id=ref.answer_id)
            await self._ephemeral(client, channel, user, thread_ts, text=NOT_THE_ASKER)
            return
        outcome = await self.services.escalate(EscalationRequest(
            surface="slack", user=user, question=ref.question, answer=earlier[0].answer if earlier else "",
            doc_ids=ref.doc_ids, conversation={"channel": channel, **({"thread_ts": thread_ts} if thread_ts else {})},
            answer_id=ref.answer_id))
        await self._ephemeral(client, channel, user, thread_ts, text=outcome.message)

    @staticmethod
    async def _ephemeral(client: AsyncWebClient, channel: str, user: str, thread_ts: str | None, **kwargs: Any) -> None:
        try:
            await client.chat_postEphemeral(channel=channel, user=user,
                                            **({"thread_ts": thread_ts} if thread_ts else {}), **kwargs)
        except SlackApiError as error:
            log.warning("slack.ephemeral_failed", error=api_error(error))

    # -- /kb ---------------------------------------------------------------------------------------
    async def command(self, ack: AsyncAck, command: Mapping[str, Any], client: AsyncWebClient) -> None:
        words = str(command.get("text") or "").split()
        verb = words[0].lower() if words else "help"
        user = str(command.get("user_id") or "")
        metrics.SURFACE_EVENTS.labels("slack", "command").inc()
        log.info("slack.command", verb=verb if verb in ("help", "status", "reindex", "report") else "other", user=user)
        if verb == "help":
            await ack(response_type="ephemeral", text=blocks.HELP)
        elif verb == "status":
            status = await self.services.status()
            running = None
            if status.reindex is not None:
                running = (f"Reindex by {status.reindex.requested_by} running for {status.reindex.seconds:.0f}s: "
                           f"{status.reindex.documents_seen} documents read")
            groups = self.usergroups.health() if self.usergroups is not None else None
            await ack(response_type="ephemeral", text=blocks.status_text(status.documents, status.chunks, status.model,
                                                                         status.sources, running, groups))
        elif verb == "reindex":
            await self._reindex(ack, user, words[1].lower() if len(words) > 1 else None, client)
        elif verb == "report":
            await self._report(ack, user, words, client)
        else:
            await ack(response_type="ephemeral", text=f"I don't know `/kb {blocks.escape(words[0])}`.\n\n{blocks.HELP}")

    async def _reindex(self, ack: AsyncAck, user: str, source: str | None, client: AsyncWebClient) -> None:
        if not await self._is_admin(user, client):
            log.info("slack.reindex_refused", user=user)
            await ack(response_type="ephemeral", text="Sorry, only kb admins can reindex (the KB_ADMINS setting). "
                           "Ask one of them, or use `/kb status` to see when the index last synced.")
            return
        reporter = _ReindexReporter(client, user, source)
        try:
            self.services.reindexer.start(f"<@{user}>", source, reporter.progress, reporter.done)
        except AlreadyRunning as busy:
            await ack(response_type="ephemeral", text=f"A reindex is already running (started by {busy.holder}); I won't start a second one. "
                           "Its summary will be posted when it finishes.")
            return
        except UnknownSource as error:
            await ack(response_type="ephemeral", text=f"I can't reindex that: {error}.")
            return
        what = f"{source} sources" if source else "all sources"
        await ack(response_type="ephemeral", text=f"Reindexing {what}. I'll send you progress and the summary in a direct message.")

    async def _report(self, ack: AsyncAck, user: str, words: list[str], client: AsyncWebClient) -> None:
        """The question report's summary, for admins, in a direct message (it quotes what people asked)."""
        period = report_chat.report_period(words)
        if not await self._is_admin(user, client):
            await ack(response_type="ephemeral", text=report_chat.REFUSED)
        elif period is None:
            await ack(response_type="ephemeral", text=report_chat.USAGE)
        else:
            await ack(response_type="ephemeral", text=report_chat.SLACK_SENDING)
            text = await report_chat.summary_text(self.services.runtime, period, self.report_escape)
            await self._post(client, channel=user, text=text, unfurl_links=False, unfurl_media=False)

    async def post_in_channel(self, channel: str, text: str) -> bool:
        """A new message in `channel` (the weekly digest); False when Slack refused it."""
        try:
            await self.client.chat_postMessage(channel=channel, text=text, unfurl_links=False, unfurl_media=False)
            return True
        except SlackApiError as error:
            log.error("slack.channel_post_failed", error=api_error(error), channel=channel)
            return False

    async def _is_admin(self, user: str, client: AsyncWebClient) -> bool:
        if self.services.is_admin(user):
            return True
        if not user or not lists_emails(self.settings.admins):
            return False
        found = await slack_people.person(client, self.services.people, user)
        return found is not None and self.services.is_admin(user, found.email)


class _Draft:
    """The message a streamed answer is written into: posted once, then edited with chat.update."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts
        self.ts: str | None = None

    async def show(self, text: str) -> None:
        shown = blocks.draft_text(text)
        if self.ts is None:
            response = await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=shown,
                                                          unfurl_links=False, unfurl_media=False)
            self.ts = str(response["ts"])
        else:
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=shown)


class _ReindexReporter:
    """Progress and the summary of one reindex, as direct messages to whoever asked for it."""

    def __init__(self, client: AsyncWebClient, user: str, source: str | None) -> None:
        self.client = client
        self.user = user
        self.source = source
        self.progress_message: tuple[str, str] | None = None

    async def progress(self, run: ReindexRun) -> None:
        text = blocks.reindex_progress_text(self.source, run.documents_seen, run.chunks_embedded, run.seconds)
        if self.progress_message is None:
            response = await self.client.chat_postMessage(channel=self.user, text=text)
            self.progress_message = (str(response["channel"]), str(response["ts"]))
        else:
            channel, ts = self.progress_message
            await self.client.chat_update(channel=channel, ts=ts, text=text)

    async def done(self, outcome: ReindexOutcome) -> None:
        text, summary_blocks = blocks.reindex_summary_blocks(self.source, outcome.summary, outcome.error)
        await self.client.chat_postMessage(channel=self.user, text=text, blocks=summary_blocks)


def register(app: AsyncApp, surface: SlackSurface) -> None:
    """Every Slack entry point, declared where it is handled."""

    @app.middleware
    async def once_per_event(body: dict, request: Any, next: Any) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        """Slack redelivers events it thinks we missed; the persisted claim makes the answer once-only."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await surface.services.first_time(f"slack:event:{event_id}"):
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            log.info("slack.duplicate_event", event_id=event_id, retry=retry)
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return await next()

    @app.event("app_mention")
    async def on_mention(event: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await surface.answer_event(event, context, client, "mention")

    @app.event("message")
    async def on_message(event: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        if event.get("channel_type") == "im":
            await surface.answer_event(event, context, client, "message")

    @app.command(COMMAND)
    async def on_command(ack: AsyncAck, command: dict, client: AsyncWebClient) -> None:
        await surface.command(ack, command, client)

    @app.action(blocks.ACTION_HELPFUL)
    async def on_helpful(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
        await ack()
        async with surface.tracked():
            await surface.feedback(body, client, helpful=True)

    @app.action(blocks.ACTION_NOT_HELPFUL)
    async def on_not_helpful(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
        await ack()
        async with surface.tracked():
            await surface.feedback(body, client, helpful=False)

    @app.action(blocks.ACTION_ESCALATE)
    async def on_escalate(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
        await ack()
        async with surface.tracked():
            await surface.escalate(body, client)

    @app.error
    async def on_error(error: Exception, body: dict, response: BoltResponse | None = None) -> BoltResponse | None:
        log.error("slack.listener_failed", error=str(error), error_type=type(error).__name__,
                  request_type=body.get("type") if isinstance(body, dict) else None)
        if response is not None and isinstance(error, MALFORMED):  # Bolt's matchers on a payload of the wrong shape
            return BoltResponse(status=400, body="malformed payload")
        return None
