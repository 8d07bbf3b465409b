"""Who a Slack user is, for access control and admin checks: `users.info`, cached.

The email (`profile.email`, needs the users:read.email scope) is what document access lists and
KB_ADMINS name; `is_restricted` / `is_ultra_restricted` mark guests, who are not employees, and
`deleted` a deactivated account, which holds nothing. With KB_SLACK_USERGROUPS the asker also holds
their Slack user groups (`groups`), once `users.info` has said who they are.

A failed lookup leaves the email unknown: the asker then holds only what every employee holds
(`*` and what is granted to it), no email, domain or group grant. That is a rule of availability:
a Slack outage must not turn every answer into "not found". Its cost is that a guest whose lookup
fails is treated as an employee until a lookup succeeds (failures are not cached); docs/security.md
says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import Asker
from bot.access.people import TTLCache
from bot.surfaces.slack.client import api_error
from bot.surfaces.slack.groups import SlackUserGroups

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SlackPerson:
    email: str | None
    guest: bool
    active: bool = True
    """False for a deactivated account: no email, not an employee, no groups."""


DEACTIVATED = SlackPerson(email=None, guest=True, active=False)


async def person(client: AsyncWebClient, cache: TTLCache, user: str) -> SlackPerson | None:
    """The user's email and guest flag; None when Slack would not say (not cached, asked again next time)."""
    key = f"slack:{user}"
    known = cache.get(key)
    if known is not None:
        return known
    try:
        data = (await client.users_info(user=user)).get("user") or {}
    except SlackApiError as error:
        log.warning("slack.users_info_failed", error=api_error(error))
        return None
    if data.get("deleted"):
        found = DEACTIVATED
    else:
        found = SlackPerson(email=((data.get("profile") or {}).get("email") or None),
                            guest=bool(data.get("is_restricted") or data.get("is_ultra_restricted")))
    cache.put(key, found)
    return found


def is_private(event: Mapping[str, Any]) -> bool:
    """A one-to-one DM with the bot: group DMs (mpim) and channels are seen by others."""
    channel_type = event.get("channel_type")
    return channel_type == "im" or (channel_type is None and str(event.get("channel") or "").startswith("D"))


async def asker(client: AsyncWebClient, cache: TTLCache, event: Mapping[str, Any],
                groups: SlackUserGroups | None = None) -> Asker:
    """The Asker of a message or mention event; `groups` adds their Slack user groups (KB_SLACK_USERGROUPS)."""
    user = str(event.get("user") or "")
    found = await person(client, cache, user) if user else None
    held = await groups.principals(user) if groups is not None and found is not None and found.active else ()
    return Asker(surface="slack", user_id=user or None, email=found.email if found else None, groups=held,
                 channel=str(event.get("channel") or "") or None, private=is_private(event),
                 guest=found.guest if found else False)
