"""Who a Teams user is, for access control and admin checks: the activity plus the roster, cached.

An activity carries the AAD object id but not the email; `TeamsInfo.get_member` (the roster,
`GET /v3/conversations/{id}/members/{userId}`) has the email, the UPN and `userRole` (`guest` for
guests of the tenant). A failed lookup leaves the email unknown: the asker then holds only what
every member holds. With KB_TEAMS_AAD_GROUPS the asker also holds their Azure AD groups
(`teams_groups`), read by the AAD object id of the activity.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.access import Asker
from bot.access.people import TTLCache
from bot.surfaces.teams_groups import AadGroups
from bot.surfaces.teams_queue import tenant_of

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TeamsPerson:
    email: str | None
    upn: str | None
    guest: bool


async def person(turn_context: TurnContext, cache: TTLCache) -> TeamsPerson | None:
    account = turn_context.activity.from_property
    if account is None or not account.id:
        return None
    key = f"teams:{account.aad_object_id or account.id}"
    known = cache.get(key)
    if known is not None:
        return known
    try:
        member = await TeamsInfo.get_member(turn_context, account.id)
    except Exception as error:  # the connector's errors are msrest's; any failure means "unknown"
        log.warning("teams.get_member_failed", error_type=type(error).__name__)
        return None
    upn = getattr(member, "user_principal_name", None) or None
    found = TeamsPerson(email=getattr(member, "email", None) or upn, upn=upn,
                        guest=str(getattr(member, "user_role", "") or "").lower() in ("guest", "anonymous"))
    cache.put(key, found)
    return found


def channel_key(turn_context: TurnContext) -> str | None:
    """The channel an answer lands in, as KB_CHANNEL_SOURCES names it (no `;messageid=` thread suffix)."""
    activity = turn_context.activity
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    channel = data.get("teamsChannelId") or (data.get("channel") or {}).get("id")
    if not channel and activity.conversation is not None and activity.conversation.id:
        channel = activity.conversation.id.split(";", 1)[0]
    return str(channel) if channel else None


async def asker(turn_context: TurnContext, cache: TTLCache, groups: AadGroups | None = None) -> Asker:
    """The Asker of a message; `groups` adds their AAD groups (KB_TEAMS_AAD_GROUPS)."""
    activity = turn_context.activity
    found = await person(turn_context, cache)
    account = activity.from_property
    aad = account.aad_object_id if account else None
    private = bool(activity.conversation and activity.conversation.conversation_type == "personal")
    # Only a personal chat may use what groups open (bot.access.control), so only there is Graph asked.
    held = await groups.principals(aad, tenant_of(activity)) if groups is not None and aad and private else ()
    return Asker(surface="teams", user_id=(aad or account.id) if account else None, groups=held,
                 email=found.email if found else None, channel=channel_key(turn_context), private=private,
                 guest=found.guest if found else False)
