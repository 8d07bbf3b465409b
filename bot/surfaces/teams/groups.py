"""Azure AD (Entra ID) groups of Teams askers as principals (KB_TEAMS_AAD_GROUPS): one Graph read per asker per TTL.

**What is read.** `GET /v1.0/users/{aadObjectId}/transitiveMemberOf/microsoft.graph.group` with
`$select=id,displayName,mailNickname`: the asker's groups, nested ones included (a member of a group
inside `HR` is in `HR`), following `@odata.nextLink`. It needs the application permission
`GroupMember.Read.All`, consented by an admin in Entra ID (not in the Teams manifest). Each asker's
read is used for KB_TEAMS_AAD_GROUPS_TTL seconds; concurrent questions of one asker wait for one
read; at most MAX_USERS askers are kept.

**Principals of their own.** A member holds `aad-group:ID` (the object id: stable, unique) and
`aad-group:DISPLAYNAME` / `aad-group:MAILNICKNAME`, never `group:NAME`: in many tenants any user may
create a Microsoft 365 group and display names are not unique, so only KB_ACCESS_FILE says which AAD
groups stand for which source groups (`group:hr-team: [aad-group:<object id>]`). An asker of
another tenant (the activity's tenant is not MICROSOFT_APP_TENANT_ID) gets no AAD group.

**Fail-safe** (bot.access.cached_reads). A read that fails grants no group until a read succeeds, for
any asker: each failed read logs one line and sets the next try: Graph's Retry-After for a 429,
soon for a network error or a 5xx, one TTL later when Graph or the token endpoint refused (a missing
permission needs an admin, not a retry storm). An asker Graph does not know (404) holds no group.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from bot import metrics
from bot.access import normalise
from bot.access.cached_reads import CachedReads, ReadFailed, ReadsHealth
from bot.config import Settings
from bot.surfaces.teams.graph import AppCredentials, Graph, GraphError

log = structlog.get_logger(__name__)

KIND = "aad-group"
"""The principal kind of an Azure AD group: `aad-group:OBJECT-ID`, `aad-group:DISPLAYNAME`."""
PERMISSION = "GroupMember.Read.All"
DENIED = "Authorization_RequestDenied"
"""Graph's code when the app lacks the permission."""
MEMBERSHIPS = "/v1.0/users/{user}/transitiveMemberOf/microsoft.graph.group"
SELECT = {"$select": "id,displayName,mailNickname"}
CHECK = ("/v1.0/groups", {"$top": "1", "$select": "id"})
"""The startup and `kb status` check: one group, which the same permission allows reading."""
RETRY_AFTER_FAILURE = 30.0
"""Seconds before the next read after a network error or a 5xx, and at least this after a 429."""
READ_TIMEOUT = 10.0
"""Seconds one read may take (token and every page): the question waiting for it is held no longer."""
MAX_USERS = 10_000


def principals_of(groups: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The `aad-group:` principals of the groups one user is in."""
    held: set[str] = set()
    for group in groups:
        if not group.get("id"):
            continue
        for name in (group.get("id"), group.get("displayName"), group.get("mailNickname")):
            if isinstance(name, str) and name.strip():
                held.add(normalise(f"{KIND}:{name}"))
    return frozenset(held)


@dataclass(frozen=True)
class AadGroupsHealth(ReadsHealth):
    """What the Teams `status` command and `kb status` report."""

    askers: int
    """Askers whose groups are held now."""
    age: float | None
    """Seconds since the newest read; None when there is none."""

    def summary(self) -> str:
        """One plain line for an operator: what askers get from AAD groups now, and what to fix."""
        if self.failure == DENIED:
            return (f"not read: the app lacks the {PERMISSION} application permission (grant it to MICROSOFT_APP_ID "
                    "in Entra ID and give admin consent); askers hold no AAD group principals")
        if self.failure is not None:
            return f"the last read failed ({self.failure}); askers hold no AAD group principals until one succeeds"
        if self.age is None:
            return "not read yet"
        return f"groups of {self.askers} askers held, newest read {self.age:.0f}s ago"


class AadGroups:
    """Each Teams asker's AAD groups, read lazily at most once per TTL per asker."""

    def __init__(self, graph: Graph, ttl: float, *, max_users: int = MAX_USERS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.graph = graph
        self.tenant = graph.credentials.tenant
        self.ttl = ttl
        self.reads: CachedReads[str, frozenset[str]] = CachedReads(ttl, max_entries=max_users, clock=clock)
        """Its `clock` is what tests replace to step past the TTL or a Retry-After."""

    @classmethod
    def from_settings(cls, settings: Settings) -> AadGroups | None:
        """None when KB_TEAMS_AAD_GROUPS is off; a ValueError when it is on without the app's credentials."""
        if not settings.teams_aad_groups:
            return None
        credentials = AppCredentials.from_settings(settings)
        if credentials is None:
            raise ValueError("KB_TEAMS_AAD_GROUPS needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and "
                             "MICROSOFT_APP_TENANT_ID: Graph is read as the bot's app registration")
        return cls(Graph.from_settings(settings, credentials), settings.teams_aad_groups_ttl)

    async def principals(self, user: str, tenant: str) -> tuple[str, ...]:
        """The user's AAD group principals; none for another tenant or when the groups could not be read."""
        if not user or tenant != self.tenant:
            return ()
        found = await self.reads.get(user, lambda: self._read(user))
        return tuple(sorted(found.value)) if found is not None else ()

    async def check(self) -> None:
        """Sign in and read one group: a missing permission is logged (and shown by status) before any question."""
        try:
            await asyncio.wait_for(self.graph.get(*CHECK), READ_TIMEOUT)
        except Exception as error:
            self.reads.failed(self._failure(error))
            return
        self.reads.succeeded()
        log.info("teams.aad_groups_check_ok")

    def health(self) -> AadGroupsHealth:
        latest = self.reads.latest()
        return AadGroupsHealth(askers=len(self.reads), age=self.reads.clock() - latest.read_at if latest else None,
                               failure=self.reads.failure)

    async def _read(self, user: str) -> frozenset[str]:
        try:
            groups = await asyncio.wait_for(self.graph.get_all(MEMBERSHIPS.format(user=user), SELECT), READ_TIMEOUT)
        except GraphError as error:
            if error.status == 404:  # not a user of this tenant's directory: no groups, a successful answer
                metrics.TEAMS_AAD_GROUP_READS.labels("unknown_user").inc()
                return frozenset()
            raise self._failure(error) from error
        except Exception as error:  # network, timeout: any failure means no groups, never old ones
            raise self._failure(error) from error
        held = principals_of(groups)
        metrics.TEAMS_AAD_GROUP_READS.labels("ok").inc()
        log.info("teams.aad_groups_read", groups=len(groups),
                 **({"recovered_from": self.reads.failure} if self.reads.failure else {}))
        return held

    def _failure(self, error: Exception) -> ReadFailed:
        """Log one line for a failed read (or check) and say when to try again."""
        if not isinstance(error, GraphError):
            metrics.TEAMS_AAD_GROUP_READS.labels("failed").inc()
            log.warning("teams.aad_groups_failed", error=type(error).__name__, retry_in=RETRY_AFTER_FAILURE)
            return ReadFailed(type(error).__name__, RETRY_AFTER_FAILURE)
        if error.status == 429:
            wait, outcome = max(error.retry_after, RETRY_AFTER_FAILURE), "rate_limited"
        elif error.status >= 500 or error.status == 200:  # a server error, or an answer of the wrong shape
            wait, outcome = RETRY_AFTER_FAILURE, "failed"
        else:  # refused (no permission, bad secret): asking again soon fixes nothing
            wait, outcome = self.ttl, "denied" if error.code == DENIED else "failed"
        metrics.TEAMS_AAD_GROUP_READS.labels(outcome).inc()
        if error.code == DENIED:
            log.error("teams.aad_groups_denied", needed=PERMISSION, retry_in=wait,
                      hint=f"grant the {PERMISSION} application permission to the bot's app registration "
                           "(MICROSOFT_APP_ID) in Entra ID and give admin consent; until then askers hold no "
                           "AAD group principals")
        else:
            log.warning("teams.aad_groups_failed", error=error.code, status=error.status, retry_in=wait)
        return ReadFailed(error.code, wait)
