"""The Bot Framework SDK (botbuilder-python), behind one module.

Everything kb does with the SDK is here: JWT authentication of `/api/messages` (CloudAdapter with
app id, password and tenant), running a turn, sending, updating and threading activities, reading a
member from the roster, and proactive turns. The rest of the Teams surface works on the activity's
JSON (the Bot Framework's wire format) and on `Turn`, so moving to another SDK (the Microsoft 365
Agents SDK: docs/teams.md) means rewriting this module only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, ConversationReference

from bot.config import Settings

log = structlog.get_logger(__name__)

T = TypeVar("T")
Card = dict[str, Any]


class NotAnActivity(ValueError):
    """A JSON body the Bot Framework schema can't read as an activity."""


class Unauthorized(Exception):
    """Missing, forged, expired or wrong-audience token."""


@dataclass(frozen=True)
class Member:
    """What the roster says of a person: their email, UPN and role (guest, user…)."""

    email: str | None
    upn: str | None
    role: str


class _AuthConfig:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.microsoft_app_id
        self.APP_PASSWORD = settings.microsoft_app_password.get_secret_value() if settings.microsoft_app_password else ""
        self.APP_TENANTID = settings.microsoft_app_tenant_id
        self.APP_TYPE = "SingleTenant" if settings.microsoft_app_tenant_id else "MultiTenant"


def _message(text: str | None = None, card: Card | None = None, summary: str = "") -> Activity:
    if card is not None:
        return MessageFactory.attachment(CardFactory.adaptive_card(card), text=summary)
    return MessageFactory.text(text or "")


class Turn:
    """One activity being handled, and how kb answers in its conversation."""

    def __init__(self, context: TurnContext) -> None:
        self._context = context
        self.activity: dict[str, Any] = context.activity.serialize()
        """The activity as the Bot Framework's JSON (camelCase keys)."""

    async def send(self, text: str | None = None, *, card: Card | None = None, summary: str = "") -> str | None:
        """Send a text or a card (with `summary` as its plain text) in the turn's thread; its activity id."""
        response = await self._context.send_activity(_message(text, card, summary))
        return response.id if response is not None else None

    async def update(self, activity_id: str, text: str | None = None, *, card: Card | None = None,
                     summary: str = "") -> None:
        """Put a text or a card in place of the activity `activity_id`."""
        activity = _message(text, card, summary)
        activity.id = activity_id
        await self._context.update_activity(activity)

    async def typing(self) -> None:
        await self._context.send_activity(Activity(type=ActivityTypes.typing))

    async def member(self) -> Member | None:
        """The sender's roster entry; None when the activity names nobody."""
        account = self._context.activity.from_property
        if account is None or not account.id:
            return None
        found = await TeamsInfo.get_member(self._context, account.id)
        upn = getattr(found, "user_principal_name", None) or None
        return Member(email=getattr(found, "email", None) or upn, upn=upn, role=str(getattr(found, "user_role", "") or ""))


def reference_to(where: Mapping[str, str]) -> ConversationReference:
    """A conversation reference from what a ticket or the proactive address keeps (flat strings)."""
    return ConversationReference(
        channel_id="msteams", service_url=where.get("service_url"), activity_id=where.get("activity_id") or None,
        bot=ChannelAccount(id=where.get("bot_id"), name=where.get("bot_name")),
        conversation=ConversationAccount(id=where.get("conversation_id"), tenant_id=where.get("tenant") or None,
                                         conversation_type=where.get("conversation_type") or None,
                                         is_group=True if where.get("conversation_type") == "channel" else None))


class _Handler(ActivityHandler):
    """botbuilder's dispatch by activity type (invokes it does not handle get its 501)."""

    def __init__(self, framework: BotFramework) -> None:
        self.framework = framework

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self.framework.on_message(Turn(turn_context))

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if bot_id and any(member.id == bot_id for member in members_added or []):  # kb itself was added
            await self.framework.on_installed(Turn(turn_context))


class BotFramework:
    """The adapter: authenticates and runs incoming turns, and starts proactive ones."""

    def __init__(self, settings: Settings, *, on_message: Callable[[Turn], Awaitable[None]],
                 on_installed: Callable[[Turn], Awaitable[None]],
                 on_error: Callable[[Turn, Exception], Awaitable[None]]) -> None:
        self.app_id = settings.microsoft_app_id
        self.auth = ConfigurationBotFrameworkAuthentication(_AuthConfig(settings))
        self.adapter = CloudAdapter(self.auth)
        self.on_message = on_message
        self.on_installed = on_installed

        async def turn_error(context: TurnContext, error: Exception) -> None:
            await on_error(Turn(context), error)

        self.adapter.on_turn_error = turn_error
        self._handler = _Handler(self)

    @staticmethod
    def parse(body: dict[str, Any]) -> Activity:
        try:
            return Activity().deserialize(body)
        except Exception as error:  # msrest raises its own DeserializationError family
            raise NotAnActivity(str(error)) from None

    async def authenticate(self, activity: Activity, auth_header: str) -> None:
        try:
            await self.auth.authenticate_request(activity, auth_header)
        except Exception as error:  # missing, forged, expired or wrong-audience tokens all end here
            raise Unauthorized(type(error).__name__) from None

    async def process(self, activity: Activity, auth_header: str) -> tuple[int, Any] | None:
        """Run the turn; for an invoke, the HTTP status and body that are its result."""
        response = await self.adapter.process_activity(auth_header, activity, self._handler.on_turn)
        return (response.status, response.body) if response is not None else None

    async def continue_in(self, where: Mapping[str, str], logic: Callable[[Turn], Awaitable[T]], *,
                          reply_to: str | None = None) -> T | None:
        """Run `logic` in a proactive turn in the conversation `where`; what it returned.

        `reply_to` threads what is sent under that activity (a channel message's thread); None
        starts a new post.
        """
        results: list[T] = []

        async def run(context: TurnContext) -> None:
            context.activity.id = reply_to
            results.append(await logic(Turn(context)))

        await self.adapter.continue_conversation(reference_to(where), run, self.app_id)
        return results[0] if results else None
