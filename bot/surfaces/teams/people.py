"""Who a Teams user is, for access control and admin checks: the activity plus the roster, cached.

An activity carries the AAD object id but not the email; `TeamsInfo.get_member` (the roster,
`GET /v3/conversations/{id}/members/{userId}`) has the email, the UPN and `userRole` (`guest` for
guests of the tenant). A failed lookup leaves the email unknown: the asker then holds only what
every member holds. With KB_TEAMS_AAD_GROUPS the asker also holds their Azure AD groups
(`groups`), read by the AAD object id of the activity.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from bot.access import Asker
from bot.access.people import TTLCache
from bot.surfaces.teams import activity as read
from bot.surfaces.teams.botframework import Turn
from bot.surfaces.teams.groups import AadGroups

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TeamsPerson:
    email: str | None
    upn: str | None
    guest: bool


async def person(turn: Turn, cache: TTLCache) -> TeamsPerson | None:
    account = read.sender(turn.activity)
    if not account.get("id"):
        return None
    key = f"teams:{account.get('aadObjectId') or account.get('id')}"
    known = cache.get(key)
    if known is not None:
        return known
    try:
        member = await turn.member()
    except Exception as error:  # the connector's errors are msrest's; any failure means "unknown"
        log.warning("teams.get_member_failed", error_type=type(error).__name__)
        return None
    if member is None:
        return None
    found = TeamsPerson(email=member.email, upn=member.upn, guest=member.role.lower() in ("guest", "anonymous"))
    cache.put(key, found)
    return found


async def asker(turn: Turn, cache: TTLCache, groups: AadGroups | None = None) -> Asker:
    """The Asker of a message; `groups` adds their AAD groups (KB_TEAMS_AAD_GROUPS)."""
    activity = turn.activity
    found = await person(turn, cache)
    account = read.sender(activity)
    aad = account.get("aadObjectId") or None
    private = read.is_personal(activity)
    # Only a personal chat may use what groups open (bot.access.control), so only there is Graph asked.
    held = await groups.principals(aad, read.tenant_of(activity)) if groups is not None and aad and private else ()
    return Asker(surface="teams", user_id=(aad or account.get("id") or None) if account else None, groups=held,
                 email=found.email if found else None, channel=read.channel_key(activity), private=private,
                 guest=found.guest if found else False)
