"""Bot Framework activity JSON as Teams sends it: personal messages, channel mentions, card submits."""

from __future__ import annotations

import itertools
from typing import Any

BOT_ID = "28:kb-bot-id"
BOT_NAME = "kb"
TENANT = "tenant-0000"
_ids = itertools.count(1)


def _base(service_url: str, conversation: dict[str, Any], user: str, aad: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message", "id": f"activity-{next(_ids)}", "timestamp": "2026-11-21T10:00:00.000Z",
        "channelId": "msteams", "serviceUrl": service_url, "locale": "en-US",
        "from": {"id": user, "name": "Test User", **({"aadObjectId": aad} if aad else {})},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": {"tenantId": TENANT, **conversation},
        "channelData": {"tenant": {"id": TENANT}},
        **extra,
    }


def personal_message(service_url: str, text: str, *, user: str = "29:user-1", aad: str | None = "aad-user-1",
                     **extra: Any) -> dict[str, Any]:
    return _base(service_url, {"id": f"a:personal-{user}", "conversationType": "personal"}, user, aad,
                 text=text, textFormat="plain", **extra)


def channel_mention(service_url: str, text: str, *, user: str = "29:user-2", aad: str | None = "aad-user-2") -> dict[str, Any]:
    """`@kb text` posted as a new channel message, with the mention entity Teams adds."""
    mention = f"<at>{BOT_NAME}</at>"
    return _base(service_url, {"id": "19:general@thread.tacv2", "conversationType": "channel", "isGroup": True}, user, aad,
                 text=f"{mention} {text}", textFormat="plain",
                 entities=[{"type": "mention", "text": mention, "mentioned": {"id": BOT_ID, "name": BOT_NAME}}],
                 channelData={"tenant": {"id": TENANT}, "teamsChannelId": "19:general@thread.tacv2",
                              "team": {"id": "19:team@thread.tacv2"}, "channel": {"id": "19:general@thread.tacv2"}})


def card_submit(service_url: str, value: dict[str, Any], *, user: str = "29:user-1", aad: str | None = "aad-user-1",
                card_id: str | None = None) -> dict[str, Any]:
    """What Teams sends when an Action.Submit button is pressed: a message whose value is the data,
    in reply to the card's activity (`card_id`)."""
    activity = personal_message(service_url, "", user=user, aad=aad, value=value,
                                **({"replyToId": card_id} if card_id else {}))
    activity.pop("text")
    return activity


def channel_reply(service_url: str, text: str, root_id: str, *, channel: str = "19:general@thread.tacv2",
                  user: str = "29:user-2", aad: str | None = "aad-user-2", name: str = "Test User") -> dict[str, Any]:
    """`@kb text` posted as a reply in the thread of message `root_id`: Teams puts the root in conversation.id."""
    activity = channel_mention(service_url, text, user=user, aad=aad)
    activity["conversation"]["id"] = f"{channel};messageid={root_id}"
    activity["from"]["name"] = name
    activity["channelData"].update(teamsChannelId=channel, channel={"id": channel})
    return activity


def card_submit_in_channel(service_url: str, value: dict[str, Any], card_id: str, *, channel: str,
                           user: str = "29:queue-member", aad: str | None = "aad-queue-member",
                           name: str = "Quinn Queue", root: str | None = None) -> dict[str, Any]:
    """An Action.Submit pressed on a card the bot posted in a channel: a reply in the card's thread,
    whose root is the card itself (a new post) or `root` (a card replying in someone's thread)."""
    activity = channel_reply(service_url, "", root or card_id, channel=channel, user=user, aad=aad, name=name)
    activity.pop("text")
    activity.pop("entities")
    activity.update(value=value, replyToId=card_id)
    return activity
