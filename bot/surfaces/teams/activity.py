"""Reading a Bot Framework activity (its JSON, as Teams sends it): pure functions, no SDK.

Where a message lives (conversation, thread, tenant), who sent it, and its words without the
bot's @mention: what the Teams surface needs to describe a message to the conversation flow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

THREAD_MARK = ";messageid="
AT_TAG = re.compile(r"<at>[^<]{0,200}</at>", re.IGNORECASE)
"""Mentions of anyone (the bot's own is removed by entity first); bounded, so 50,000 characters stay linear."""

Activity = Mapping[str, Any]


def _object(activity: Activity, key: str) -> Mapping[str, Any]:
    value = activity.get(key)
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def conversation_id(activity: Activity) -> str:
    return _text(_object(activity, "conversation").get("id"))


def is_personal(activity: Activity) -> bool:
    return _object(activity, "conversation").get("conversationType") == "personal"


def sender(activity: Activity) -> Mapping[str, Any]:
    return _object(activity, "from")


def question_text(activity: Activity) -> str:
    """The message without the bot's @mention (by entity) or any leftover `<at>…</at>` tags."""
    text = _text(activity.get("text"))
    bot_id = _object(activity, "recipient").get("id")
    entities = activity.get("entities") if isinstance(activity.get("entities"), list) else []
    for entity in entities:
        if isinstance(entity, Mapping) and entity.get("type") == "mention" and bot_id and \
                isinstance(entity.get("mentioned"), Mapping) and entity["mentioned"].get("id") == bot_id:
            text = text.replace(_text(entity.get("text")), " ") if entity.get("text") else text
    return " ".join(AT_TAG.sub(" ", text).split())


def identities(activity: Activity) -> list[str]:
    """Every id KB_ADMINS may list for the sender: the AAD object id and the Teams user id."""
    account = sender(activity)
    return [value for value in (_text(account.get("aadObjectId")), _text(account.get("id"))) if value]


def thread_of(activity: Activity) -> dict[str, str]:
    """The thread a message belongs to, as the ticket table keys threads: channel and root message.

    A channel reply arrives with `conversation.id` "19:…@thread.tacv2;messageid=ROOT"; a new post
    either carries its own id there or none (then the root is the message itself). A personal chat
    has no threads, so every message is its own root, as a top-level Slack DM is.
    """
    channel, _, root = conversation_id(activity).partition(THREAD_MARK)
    return {"channel": channel, "thread_ts": root or _text(activity.get("id"))}


def tenant_of(activity: Activity) -> str:
    """The tenant: Teams puts it in channelData (always) and conversation.tenantId (sometimes)."""
    tenant = _object(_object(activity, "channelData"), "tenant")
    return _text(_object(activity, "conversation").get("tenantId")) or _text(tenant.get("id"))


def conversation_of(activity: Activity) -> dict[str, str]:
    """What a ticket keeps to reach the asker again after a restart (a conversation reference, flat)."""
    conversation, bot = _object(activity, "conversation"), _object(activity, "recipient")
    team = _object(_object(activity, "channelData"), "team")
    fields = {**thread_of(activity), "conversation_id": conversation_id(activity),
              "activity_id": _text(activity.get("id")), "conversation_type": _text(conversation.get("conversationType")),
              "service_url": _text(activity.get("serviceUrl")), "tenant": tenant_of(activity),
              "bot_id": _text(bot.get("id")), "bot_name": _text(bot.get("name")),
              "user_name": _text(sender(activity).get("name")), "group_id": _text(team.get("aadGroupId"))}
    return {key: value for key, value in fields.items() if value}


def memory_key(activity: Activity) -> str:
    """The conversation whose earlier questions are a follow-up's context: a channel thread, or a whole chat."""
    if is_personal(activity):
        return conversation_id(activity)
    thread = thread_of(activity)
    return f"{thread['channel']}{THREAD_MARK}{thread['thread_ts']}"


def channel_key(activity: Activity) -> str | None:
    """The channel an answer lands in, as KB_CHANNEL_SOURCES names it (no `;messageid=` thread suffix)."""
    data = _object(activity, "channelData")
    channel = data.get("teamsChannelId") or _object(data, "channel").get("id")
    if not channel and conversation_id(activity):
        channel = conversation_id(activity).split(";", 1)[0]
    return str(channel) if channel else None


def display_name(activity: Activity) -> str:
    """How the sender is named in messages others read: their name, else their first id."""
    ids = identities(activity)
    return _text(sender(activity).get("name")) or (ids[0] if ids else "")
