"""Microsoft Teams: personal chats and channel @mentions answered with an Adaptive Card, in thread.

A translation layer, as STYLE.md asks: a Bot Framework activity becomes one call of `ChatServices`
(dedupe, limits, admins, reindex, feedback are shared with Slack) and its result becomes an
Adaptive Card (`teams_cards`). Activities arrive at `POST /api/messages` on the one aiohttp server
and go through botbuilder's CloudAdapter, which validates the Bot Framework JWT (single-tenant when
a tenant id is set) and sends replies to the activity's `serviceUrl`. Only an empty
MICROSOFT_APP_ID with KB_MODE=development allows anonymous requests (local development, the tests).

The Bot Framework gives a bot 15 seconds to answer the POST and retries otherwise, while an answer
can take longer: so a request is authenticated first (401 at once when it fails) and the turn then
runs in a tracked background task; invokes, whose HTTP response is their result, run inline.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, ConversationReference

from bot import metrics
from bot.analytics import chat as report_chat
from bot.analytics.questions import QuestionEvent
from bot.answer.model import Answer
from bot.config import Settings
from bot.conversation.admins import lists_emails
from bot.conversation.escalation import NOT_THE_ASKER, OFFER, EscalationRequest
from bot.conversation.feedback import Feedback
from bot.conversation.memory import ConversationMemory
from bot.conversation.reindex import AlreadyRunning, ReindexOutcome, ReindexRun, UnknownSource
from bot.conversation.services import ChatServices
from bot.conversation.streaming import LiveAnswer
from bot.surfaces import teams_cards as cards
from bot.surfaces import teams_groups, teams_people, teams_queue
from bot.surfaces.teams_queue import Proactive, TicketAction

log = structlog.get_logger(__name__)

MESSAGES_PATH = "/api/messages"
COMMANDS = ("help", "status", "reindex", "report")
AT_TAG = re.compile(r"<at>[^<]{0,200}</at>", re.IGNORECASE)
"""Mentions of anyone (the bot's own is removed by entity first); bounded, so 50,000 characters stay linear."""

RATE_LIMITED = ("You're asking faster than I can look things up. Give me a minute, then ask again "
                "(I'll skip the questions sent in the meantime).")
SORRY = "Sorry, something went wrong while I was looking that up. Please try again in a moment."
REFUSED = ("Sorry, only kb admins can reindex (the KB_ADMINS setting). Ask one of them, or send `status` "
           "to see when the index last synced.")

def configured(settings: Settings) -> bool:
    """Teams runs in `kb serve` when the bot is registered (an app id); tests mount it anonymously."""
    return bool(settings.microsoft_app_id)


class _AuthConfig:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.microsoft_app_id
        self.APP_PASSWORD = settings.microsoft_app_password.get_secret_value() if settings.microsoft_app_password else ""
        self.APP_TENANTID = settings.microsoft_app_tenant_id
        self.APP_TYPE = "SingleTenant" if settings.microsoft_app_tenant_id else "MultiTenant"


def question_text(activity: Activity) -> str:
    """The message without the bot's @mention (by entity) or any leftover `<at>…</at>` tags."""
    text = TurnContext.remove_recipient_mention(activity) if activity.recipient and activity.entities else activity.text
    return " ".join(AT_TAG.sub(" ", text or "").split())


def identities(account: ChannelAccount | None) -> list[str]:
    """Every id KB_ADMINS may list for this user: the AAD object id and the Teams user id."""
    if account is None:
        return []
    return [value for value in (account.aad_object_id, account.id) if value]


def memory_key(activity: Activity) -> str:
    """The conversation whose earlier questions are a follow-up's context: a channel thread, or a whole chat."""
    if activity.conversation and activity.conversation.conversation_type == "personal":
        return activity.conversation.id or ""
    thread = teams_queue.thread_of(activity)
    return f"{thread['channel']}{teams_queue.THREAD_MARK}{thread['thread_ts']}"


class TeamsBot(ActivityHandler):
    """The entry points, declared next to each other; each hands over to the surface."""

    def __init__(self, surface: TeamsSurface) -> None:
        self.surface = surface

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self.surface.on_message(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id != bot_id for member in members_added or []):
            metrics.SURFACE_EVENTS.labels("teams", "welcome").inc()
            await turn_context.send_activity(MessageFactory.text(cards.WELCOME))


class TeamsSurface:
    name = "teams"
    report_newline = "\n\n"
    report_escape = staticmethod(cards.md_escape)
    """How the question report's summary is written here (bot.analytics.digest.ReportChannel)."""
    clock = staticmethod(time.monotonic)
    """Paces streamed card updates (KB_LLM_UPDATE_EVERY); tests replace it to count updates without sleeping."""

    def __init__(self, services: ChatServices, settings: Settings | None = None,
                 aad_groups: teams_groups.AadGroups | None = None) -> None:
        self.services = services
        self.settings = settings or services.settings
        if self.settings.microsoft_app_id and self.settings.microsoft_app_password is None:
            raise ValueError("MICROSOFT_APP_PASSWORD is required when MICROSOFT_APP_ID is set")
        if not self.settings.microsoft_app_id and self.settings.mode == "production":
            raise ValueError("MICROSOFT_APP_ID is required in production: anonymous Bot Framework requests are "
                             "accepted only with KB_MODE=development")
        self.auth = ConfigurationBotFrameworkAuthentication(_AuthConfig(self.settings))
        self.adapter = CloudAdapter(self.auth)
        self.adapter.on_turn_error = self._on_turn_error
        self.aad_groups = aad_groups or teams_groups.AadGroups.from_settings(self.settings)
        """Askers' AAD groups (KB_TEAMS_AAD_GROUPS); tests pass one reading a fake Graph."""
        self.bot = TeamsBot(self)
        self._tasks: set[asyncio.Task] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.loop: asyncio.AbstractEventLoop | None = None
        """The server's loop, where botbuilder sends; the queue notifier hands its work to it."""
        self.memory = ConversationMemory(services.runtime.store, turns=self.settings.teams_history_turns)
        self._proactive: Proactive | None = None
        if services.desk is not None:  # escalations: queue cards, Claim/Resolve, the asker's conversation
            services.desk.add_notifier(teams_queue.TeamsQueueNotifier(self))

    # -- wiring into the one HTTP server ---------------------------------------------------------
    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_post(MESSAGES_PATH, self.handle_http)
        web_app.on_startup.append(self._started)
        web_app.on_shutdown.append(self._shutdown)

    async def _started(self, _: web.Application) -> None:
        self.loop = asyncio.get_running_loop()
        if self.aad_groups is not None:  # the startup check: a missing Graph permission is logged now
            self._spawn(self.aad_groups.check())

    async def handle_http(self, request: web.Request) -> web.Response:
        if "application/json" not in (request.content_type or ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "malformed JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "an activity is a JSON object"}, status=400)
        try:
            activity = Activity().deserialize(body)
        except Exception:  # msrest raises its own DeserializationError family
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        if not activity.type:
            return web.json_response({"error": "activity has no type"}, status=400)
        if not activity.service_url:
            log.warning("teams.activity_unusable", type=activity.type, missing="serviceUrl")
            return web.json_response({"error": "activity has no serviceUrl"}, status=400)
        auth_header = request.headers.get("Authorization", "")
        try:
            await self.auth.authenticate_request(activity, auth_header)
        except Exception as error:  # missing, forged, expired or wrong-audience tokens all end here
            log.warning("teams.unauthorized", error_type=type(error).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        self.loop = asyncio.get_running_loop()
        await self._remember_proactive(activity)  # only authenticated activities: it is where the bot will send
        if activity.type == ActivityTypes.invoke:  # its HTTP response is the result: run inline
            response = await self.adapter.process_activity(auth_header, activity, self.bot.on_turn)
            if response is not None:
                return web.json_response(response.body, status=response.status)
            return web.Response(status=200)
        self._spawn(self.adapter.process_activity(auth_header, activity, self.bot.on_turn))
        return web.Response(status=202)

    def _spawn(self, work: Awaitable[Any]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception as error:  # already reported by on_turn_error when it was in the turn
                log.error("teams.turn_failed", error=str(error), error_type=type(error).__name__)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Wait for turns in progress to finish posting; True when none is left."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def _shutdown(self, _: web.Application) -> None:
        await self.drain(timeout=30)
        await self.services.reindexer.wait()

    async def _on_turn_error(self, turn_context: TurnContext, error: Exception) -> None:
        log.error("teams.turn_error", error=str(error), error_type=type(error).__name__)
        if turn_context.activity.type == ActivityTypes.message:
            try:
                await turn_context.send_activity(MessageFactory.text(SORRY))
            except Exception as send_error:
                log.warning("teams.sorry_failed", error_type=type(send_error).__name__)

    # -- messages ----------------------------------------------------------------------------------
    async def on_message(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        conversation = activity.conversation.id if activity.conversation else ""
        if activity.id and not await self.services.first_time(f"teams:activity:{conversation}:{activity.id}"):
            log.info("teams.duplicate_activity", conversation=conversation)  # a retried POST: answered once
            return
        feedback = cards.FeedbackData.decode(activity.value)
        if feedback is not None:
            await self.feedback(turn_context, *feedback)
            return
        ask_person = cards.FeedbackData.decode_ask_person(activity.value)
        if ask_person is not None:
            await self.ask_person(turn_context, ask_person)
            return
        ticket_action = TicketAction.decode(activity.value)
        if ticket_action is not None:
            await self.ticket_action(turn_context, ticket_action)
            return
        if await self.services.thread_escalated("teams", teams_queue.thread_of(activity)):
            log.info("teams.thread_with_person")  # a person has it; the bot stays out
            return
        # Off the loop: stripping tags is linear but a 50,000-character message still takes a moment.
        question = await asyncio.to_thread(question_text, activity)
        words = question.split()
        if not words or (words[0].lower() in COMMANDS and len(words) <= 2):
            await self.command(turn_context, [w.lower() for w in words] or ["help"])
            return
        kind = "message" if (activity.conversation and activity.conversation.conversation_type == "personal") else "mention"
        metrics.SURFACE_EVENTS.labels("teams", kind).inc()
        started = time.monotonic()
        user = identities(activity.from_property)
        verdict = self.services.limiter.check(user[0] if user else conversation)
        if not verdict.allowed:
            log.info("teams.rate_limited", told=verdict.tell)
            if verdict.tell:
                await turn_context.send_activity(MessageFactory.text(RATE_LIMITED))
            return
        thread = memory_key(activity)
        history = await asyncio.to_thread(self.memory.recent, thread)
        log.info("teams.question", kind=kind, chars=len(question), follow_up=bool(history))
        await turn_context.send_activity(Activity(type=ActivityTypes.typing))
        asker = await teams_people.asker(turn_context, self.services.people, self.aad_groups)
        draft = _Draft(turn_context)
        live = (LiveAnswer(asyncio.get_running_loop(), draft.show, self.settings.llm_update_every, self.clock)
                if self.services.streams else None)
        try:
            answer = await self.services.answer(question, history, asker=asker, on_text=live)
        finally:
            if live is not None:
                await live.close()  # no preview may land after the final answer
        answer_id = None
        if answer.escalated:  # decided before retrieval, so no draft was shown
            await self._escalate(turn_context, answer)
        else:
            answer_id = await self._post_answer(turn_context, answer, replace=draft.activity_id)
            await asyncio.to_thread(self.memory.remember, thread, answer.question)
        await self.services.record_question(QuestionEvent("teams", user[0] if user else "", direct=kind == "message",
                                                          answer=answer, seconds=time.monotonic() - started,
                                                          answer_id=answer_id))

    async def _escalate(self, turn_context: TurnContext, answer: Answer) -> None:
        """The policy's reply only (no runbook text, sources or feedback buttons), then the ticket.

        The asker hears first: a crisis reply carries the emergency contacts. The question is not
        remembered as context, so it never reaches a later retrieval query either.
        """
        activity = turn_context.activity
        await turn_context.send_activity(MessageFactory.text(answer.text))
        user = identities(activity.from_property)
        await self.services.open_ticket(answer, surface="teams", user=user[0] if user else "",
                                        conversation=teams_queue.conversation_of(activity))
        log.info("teams.escalated", category=answer.category, queue=answer.queue)

    async def _post_answer(self, turn_context: TurnContext, answer: Answer, replace: str | None = None) -> str | None:
        """Send the answer card, or turn the streamed draft card `replace` (its activity id) into it.

        Returns the answer id its feedback buttons carry (None: no buttons)."""
        feedback = None
        if answer.citations and not answer.escalated:
            asker = identities(turn_context.activity.from_property)
            feedback = cards.FeedbackData.of(uuid.uuid4().hex[:16], answer, asker[0] if asker else "")
        card = CardFactory.adaptive_card(cards.answer_card(answer, feedback))
        await _Draft.send_or_update(turn_context, MessageFactory.attachment(card, text=cards.answer_summary(answer)),
                                    replace)
        log.info("teams.answered", citations=len(answer.citations), no_answer=answer.no_answer, escalated=answer.escalated,
                 generated=answer.generated, streamed=replace is not None)
        return feedback.answer_id if feedback is not None else None

    async def feedback(self, turn_context: TurnContext, data: cards.FeedbackData, helpful: bool) -> None:
        user = identities(turn_context.activity.from_property)
        if not user:
            log.warning("teams.feedback_unusable")
            return
        metrics.SURFACE_EVENTS.labels("teams", "feedback").inc()
        await self.services.record_feedback(Feedback(surface="teams", user=user[0], answer_id=data.answer_id,
                                                     helpful=helpful, question=data.question, answer=data.answer,
                                                     doc_ids=data.doc_ids))
        log.info("teams.feedback", helpful=helpful, answer_id=data.answer_id)
        # "Not helpful" offers the asker a person, as Slack does; a card from before askers were kept
        # offers it to whoever clicked, as Slack's private offer goes to whoever clicked.
        offer = None if helpful else dataclasses.replace(data, asker=data.asker or user[0])
        # The buttons give way to the verdict (and the offer), so nobody votes twice on one card.
        if await self._redraw(turn_context, cards.answer_card(data.to_answer(), None, verdict=helpful, offer=offer),
                              data, "teams.feedback_update_failed"):
            return
        await turn_context.send_activity(MessageFactory.text(cards.feedback_thanks(helpful)))
        if offer is not None:
            offer_card = CardFactory.adaptive_card(cards.offer_card(offer))
            await turn_context.send_activity(MessageFactory.attachment(offer_card, text=OFFER))

    async def ask_person(self, turn_context: TurnContext, data: cards.FeedbackData) -> None:
        """"Ask a person" after "not helpful": the desk opens one ticket for the answer and the asker hears the outcome.

        In a channel everyone sees the button, so only the asker's click counts (a ticket is the asker's:
        the queue follows up with them); anyone else is told why nothing happened. The card shows the
        outcome where the button was; where it cannot be redrawn, or nothing was handed over (no
        queues), the outcome is said in the thread instead.
        """
        activity = turn_context.activity
        user = identities(activity.from_property)
        if not user:
            log.warning("teams.ask_person_unusable")
            return
        metrics.SURFACE_EVENTS.labels("teams", "action").inc()
        if data.asker and data.asker not in user:
            log.info("teams.ask_person_refused", answer_id=data.answer_id)
            await turn_context.send_activity(MessageFactory.text(NOT_THE_ASKER))
            return
        outcome = await self.services.escalate(EscalationRequest(
            surface="teams", user=user[0], question=data.question, answer=data.answer, doc_ids=data.doc_ids,
            conversation=teams_queue.conversation_of(activity), answer_id=data.answer_id))
        log.info("teams.ask_person", answer_id=data.answer_id, accepted=outcome.accepted, ticket=outcome.ticket_id)
        done = cards.answer_card(data.to_answer(), None, verdict=False, handed_over=outcome.message)
        if not (outcome.accepted and await self._redraw(turn_context, done, data, "teams.ask_person_update_failed")):
            await turn_context.send_activity(MessageFactory.text(outcome.message))

    async def _redraw(self, turn_context: TurnContext, card: cards.Card, data: cards.FeedbackData, failed: str) -> bool:
        """Put `card` in place of the card whose button was clicked (the click's `replyToId`); False if it can't be.

        A standalone offer card (sent when the answer card could not be redrawn) becomes the answer
        card with the outcome: the thread then still shows what was handed over.
        """
        card_id = turn_context.activity.reply_to_id
        if not card_id:
            return False
        updated = MessageFactory.attachment(CardFactory.adaptive_card(card),
                                            text=cards.one_line(data.answer or "kb answer", 200))
        updated.id = card_id
        try:
            await turn_context.update_activity(updated)
            return True
        except Exception as error:  # an old card, or one Teams no longer lets us edit
            log.warning(failed, error_type=type(error).__name__)
            return False

    # -- queue cards -------------------------------------------------------------------------------
    async def ticket_action(self, turn_context: TurnContext, action: TicketAction) -> None:
        """Claim or Resolve on a queue card: the desk decides, updates every post and tells the asker."""
        desk = self.services.desk
        account = turn_context.activity.from_property
        ids = identities(account)
        if desk is None or not ids:
            log.warning("teams.ticket_action_unusable", verb=action.verb)
            return
        metrics.SURFACE_EVENTS.labels("teams", "action").inc()
        by = (account.name if account and account.name else None) or ids[0]
        where = ("teams", teams_queue.thread_of(turn_context.activity)["channel"])
        result = await asyncio.to_thread(desk.claim if action.verb == "claim" else desk.resolve, action.ticket_id, by,
                                         where)
        if not result.ok:  # Teams has no private reply in a channel: answer in the card's thread
            await turn_context.send_activity(MessageFactory.text(result.message))

    # -- text commands -------------------------------------------------------------------------------
    async def command(self, turn_context: TurnContext, words: list[str]) -> None:
        metrics.SURFACE_EVENTS.labels("teams", "command").inc()
        log.info("teams.command", verb=words[0])
        if words[0] == "status":
            status = await self.services.status()
            running = None
            if status.reindex is not None:
                running = (f"Reindex by {status.reindex.requested_by} running for {status.reindex.seconds:.0f}s: "
                           f"{status.reindex.documents_seen} documents read")
            groups = self.aad_groups.health() if self.aad_groups is not None else None
            await turn_context.send_activity(MessageFactory.text(
                cards.status_text(status.documents, status.chunks, status.model, status.sources, running, groups)))
        elif words[0] == "reindex":
            await self._reindex(turn_context, words[1] if len(words) > 1 else None)
        elif words[0] == "report":
            await self._report(turn_context, words)
        else:
            await turn_context.send_activity(MessageFactory.text(cards.HELP))

    async def _reindex(self, turn_context: TurnContext, source: str | None) -> None:
        if not await self._is_admin(turn_context):
            log.info("teams.reindex_refused")
            await turn_context.send_activity(MessageFactory.text(REFUSED))
            return
        account = turn_context.activity.from_property
        who = (account.name if account and account.name else None) or identities(account)[0]
        reporter = _ReindexReporter(self, TurnContext.get_conversation_reference(turn_context.activity), source)
        try:
            self.services.reindexer.start(who, source, reporter.progress, reporter.done)
        except AlreadyRunning as busy:
            await turn_context.send_activity(MessageFactory.text(
                f"A reindex is already running (started by {busy.holder}); I won't start a second one."))
            return
        except UnknownSource as error:
            await turn_context.send_activity(MessageFactory.text(f"I can't reindex that: {error}."))
            return
        what = f"{source} sources" if source else "all sources"
        await turn_context.send_activity(MessageFactory.text(f"Reindexing {what}. I'll post progress and the summary here."))

    async def _report(self, turn_context: TurnContext, words: list[str]) -> None:
        """The question report's summary, for admins, only in a personal chat (Teams has no private replies)."""
        conversation = turn_context.activity.conversation
        period = report_chat.report_period(words)
        if not await self._is_admin(turn_context):
            text = report_chat.REFUSED
        elif not conversation or conversation.conversation_type != "personal":
            text = report_chat.TEAMS_PERSONAL_ONLY
        elif period is None:
            text = report_chat.USAGE
        else:
            text = await report_chat.summary_text(self.services.runtime, period, self.report_escape, self.report_newline)
        await turn_context.send_activity(MessageFactory.text(text))

    async def _is_admin(self, turn_context: TurnContext) -> bool:
        account = turn_context.activity.from_property
        ids = identities(account)
        if self.services.is_admin(*ids):
            return True
        if not ids or not lists_emails(self.settings.admins):
            return False
        found = await teams_people.person(turn_context, self.services.people)  # the roster knows the email / UPN
        return found is not None and self.services.is_admin(*ids, found.email, found.upn)

    # -- proactive posts (reindex progress, queue cards, the asker after a claim) -----------------
    def proactive(self) -> Proactive | None:
        """Where posts the bot starts go: settings first, else what the last activity showed."""
        if self._proactive is None:
            self._proactive = Proactive.from_json(self.services.runtime.store.meta(teams_queue.PROACTIVE_META))
        known = self._proactive or Proactive("", "")
        service_url = self.settings.teams_service_url or known.service_url
        tenant = self.settings.microsoft_app_tenant_id or known.tenant
        bot_id = known.bot_id or (f"28:{self.settings.microsoft_app_id}" if self.settings.microsoft_app_id else "")
        return Proactive(service_url, tenant, bot_id, known.bot_name) if service_url else None

    async def _remember_proactive(self, activity: Activity) -> None:
        """Keep the connector, tenant and bot account of an authenticated activity (in the index, for restarts)."""
        bot = activity.recipient or ChannelAccount()
        seen = Proactive(activity.service_url or "", teams_queue.tenant_of(activity), bot.id or "", bot.name or "")
        if seen == self._proactive or not seen.service_url or not seen.tenant:
            return
        self._proactive = seen
        try:
            await asyncio.to_thread(self.services.runtime.store.set_meta, teams_queue.PROACTIVE_META, seen.to_json())
        except Exception as error:  # remembering is a convenience; the turn goes on
            log.warning("teams.proactive_not_saved", error_type=type(error).__name__)

    async def continue_with(self, reference: ConversationReference, logic: Callable[[TurnContext], Awaitable[Any]]) -> Any:
        """Run `logic` in a proactive turn on `reference` and return what it returned."""
        results: list[Any] = []

        async def run(context: TurnContext) -> None:
            results.append(await logic(context))

        await self.adapter.continue_conversation(reference, run, self.settings.microsoft_app_id)
        return results[0] if results else None

    async def post_in_channel(self, channel: str, text: str) -> bool:
        """A new post in the Teams channel `channel` (the weekly digest), reached as queue cards are."""
        where = self.proactive()
        if where is None:
            log.error("teams.channel_post_failed", reason="no serviceUrl known",
                      hint="set KB_TEAMS_SERVICE_URL, or wait until the bot has received one Teams message")
            return False
        reference = ConversationReference(
            channel_id="msteams", service_url=where.service_url, bot=ChannelAccount(id=where.bot_id, name=where.bot_name),
            conversation=ConversationAccount(id=channel, is_group=True, conversation_type="channel",
                                             tenant_id=where.tenant or None))

        async def send(context: TurnContext) -> None:
            context.activity.id = None  # a new post in the channel, not a reply to the continuation
            await context.send_activity(MessageFactory.text(text))

        try:
            await self.continue_with(reference, send)
            return True
        except Exception as error:  # the connector refused, or the channel is unknown
            log.error("teams.channel_post_failed", error_type=type(error).__name__, error=str(error)[:300])
            return False

    async def post_to(self, reference: ConversationReference, text: str) -> None:
        """Post `text` into the conversation of `reference`, threaded under its original message."""

        async def send(context: TurnContext) -> None:
            context.activity.id = reference.activity_id  # replies thread under the command, not the continuation
            await context.send_activity(MessageFactory.text(text))

        await self.continue_with(reference, send)


class _Draft:
    """The card a streamed answer is written into: sent once, then updated in place (update_activity)."""

    def __init__(self, turn_context: TurnContext) -> None:
        self.turn_context = turn_context
        self.activity_id: str | None = None

    async def show(self, text: str) -> None:
        card = CardFactory.adaptive_card(cards.draft_card(text))
        self.activity_id = await self.send_or_update(self.turn_context, MessageFactory.attachment(card, text=text[:200]),
                                                     self.activity_id)

    @staticmethod
    async def send_or_update(turn_context: TurnContext, activity: Activity, replace: str | None) -> str | None:
        """Send `activity`, or put it in place of the activity `replace`; the id it has now."""
        if replace is None:
            response = await turn_context.send_activity(activity)
            return response.id if response is not None else None
        activity.id = replace
        await turn_context.update_activity(activity)
        return replace


class _ReindexReporter:
    """Progress and the summary of one reindex, posted where it was asked for."""

    def __init__(self, surface: TeamsSurface, reference: ConversationReference, source: str | None) -> None:
        self.surface = surface
        self.reference = reference
        self.source = source

    async def progress(self, run: ReindexRun) -> None:
        await self.surface.post_to(self.reference, cards.reindex_progress_text(
            self.source, run.documents_seen, run.chunks_embedded, run.seconds))

    async def done(self, outcome: ReindexOutcome) -> None:
        await self.surface.post_to(self.reference, cards.reindex_summary_text(self.source, outcome.summary, outcome.error))

