"""Slack user groups as principals (KB_SLACK_USERGROUPS): one read of the workspace's groups per TTL.

**One call per read.** `usergroups.list` with `include_users=true` returns every enabled group with
its members' ids in one request; `usergroups.users.list` would cost one more request per group.
Both are Slack's Tier 2 (about 20 a minute) and neither paginates, so a read is one request however
many groups there are, and a question costs none: membership is looked up in the last read, which
is used for KB_SLACK_USERGROUPS_TTL seconds. Concurrent questions after expiry wait for one call.

**Principals of their own.** A member holds `slack-group:HANDLE` and `slack-group:ID` (the id
survives a rename), never `group:HANDLE`: in a default workspace any member may create a user group
and join it, so a Slack handle that happens to equal a Confluence or Google group's name must not
open that group's documents. KB_ACCESS_FILE says which Slack groups stand for which source groups
(`group:hr-team: [slack-group:hr-team]`), written by whoever controls both. Disabled groups
(`date_delete` set) and groups of another organisation (`is_external`) grant nothing.

**Fail-safe.** A read that fails (missing scope, rate limit, network, an answer of the wrong shape)
grants no group until a read succeeds: askers keep what they hold without groups, never more, and a
read older than the TTL is never used. Each failed read logs one line (never one per question) and
sets the next try: after Slack's Retry-After for a 429, soon for a network error or a 5xx, and one
TTL later when Slack refused outright (a missing scope needs the app reinstalled, not a retry storm).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.access import normalise
from bot.access.cached_reads import CachedReads, ReadFailed, ReadsHealth
from bot.surfaces.slack.client import api_error
from connectors.retry import parse_retry_after

log = structlog.get_logger(__name__)

KIND = "slack-group"
"""The principal kind of a Slack user group: `slack-group:HANDLE`, `slack-group:ID`."""
SCOPE = "usergroups:read"
RETRY_AFTER_FAILURE = 30.0
"""Seconds before the next read after a network error or a 5xx, and at least this after a 429."""
READ_TIMEOUT = 10.0
"""Seconds one read may take (retries included): questions waiting for it are held no longer."""
WORKSPACE = "workspace"
"""The one key of the read cache: a read covers the whole workspace."""


@dataclass(frozen=True)
class GroupsRead:
    """One successful `usergroups.list`: the group principals of each member, by Slack user id."""

    by_user: Mapping[str, frozenset[str]]
    groups: int


@dataclass(frozen=True)
class GroupsHealth(ReadsHealth):
    """What `/kb status` and `kb status` report."""

    groups: int | None
    """Groups in the last successful read; None when there is none (not read yet, or the last read failed)."""
    age: float | None

    def summary(self) -> str:
        """One plain line for an operator: what askers get from Slack groups now, and what to fix."""
        if self.failure == "missing_scope":
            return (f"not read: the Slack app lacks the {SCOPE} scope (add it and reinstall the app); "
                    "askers hold no Slack group principals")
        if self.failure is not None:
            return f"the last read failed ({self.failure}); askers hold no Slack group principals until one succeeds"
        if self.groups is None or self.age is None:
            return "not read yet"
        return f"{self.groups} groups, read {self.age:.0f}s ago"


def principals_by_member(usergroups: Iterable[Mapping[str, Any]]) -> tuple[dict[str, frozenset[str]], int]:
    """Each member's `slack-group:` principals, and how many groups granted any."""
    by_user: dict[str, set[str]] = {}
    granting = 0
    for group in usergroups:
        disabled = str(group.get("date_delete") or 0) != "0"
        if disabled or group.get("is_external") or not group.get("id"):
            continue
        principals = {normalise(f"{KIND}:{group['id']}")}
        if group.get("handle"):
            principals.add(normalise(f"{KIND}:{group['handle']}"))
        granting += 1
        for user in group.get("users") or ():
            by_user.setdefault(str(user), set()).update(principals)
    return {user: frozenset(held) for user, held in by_user.items()}, granting


class SlackUserGroups:
    """The workspace's user groups, read lazily at most once per TTL and shared by every question."""

    def __init__(self, client: AsyncWebClient, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        """Should not wait out 429s itself (`web_client(..., wait_when_rate_limited=False)`): a question is waiting."""
        self.ttl = ttl
        self.reads: CachedReads[str, GroupsRead] = CachedReads(ttl, clock=clock)
        """Its `clock` is what tests replace to step past the TTL or a Retry-After."""

    @property
    def failure(self) -> str | None:
        return self.reads.failure

    async def principals(self, user: str) -> tuple[str, ...]:
        """The user's group principals; none when the groups could not be read."""
        read = await self.current()
        return tuple(sorted(read.by_user.get(user, ()))) if read is not None else ()

    async def current(self) -> GroupsRead | None:
        """The read to use now, reading again when it expired and a try is due; None when there is none."""
        found = await self.reads.get(WORKSPACE, self._read)
        return found.value if found is not None else None

    def health(self) -> GroupsHealth:
        found = self.reads.latest()
        return GroupsHealth(groups=found.value.groups if found else None,
                            age=self.reads.clock() - found.read_at if found else None, failure=self.failure)

    async def _read(self) -> GroupsRead:
        try:
            response = await asyncio.wait_for(self.client.usergroups_list(include_users=True), READ_TIMEOUT)
            groups = response.get("usergroups")
            if not isinstance(groups, list):
                raise ValueError("usergroups.list answered without a usergroups list")
            by_user, granting = principals_by_member(groups)
        except SlackApiError as error:
            raise self._refused(error) from error
        except Exception as error:  # network, timeout, a wrong shape: any failure means no groups, never old ones
            metrics.SLACK_USERGROUP_READS.labels("failed").inc()
            log.warning("slack.usergroups_failed", error=type(error).__name__, retry_in=RETRY_AFTER_FAILURE)
            raise ReadFailed(type(error).__name__, RETRY_AFTER_FAILURE) from error
        metrics.SLACK_USERGROUP_READS.labels("ok").inc()
        log.info("slack.usergroups_read", groups=granting, members=len(by_user),
                 **({"recovered_from": self.failure} if self.failure else {}))
        return GroupsRead(by_user, granting)

    def _refused(self, error: SlackApiError) -> ReadFailed:
        """Slack answered with an error: when to try again depends on which."""
        code, status = api_error(error), error.response.status_code
        if code == "ratelimited" or status == 429:
            wait, outcome = max(_retry_after(error), RETRY_AFTER_FAILURE), "rate_limited"
        elif status >= 500:
            wait, outcome = RETRY_AFTER_FAILURE, "failed"
        else:  # a refusal (missing_scope, plan_upgrade_required, invalid_auth) is not fixed by asking again soon
            wait, outcome = self.ttl, "missing_scope" if code == "missing_scope" else "failed"
        metrics.SLACK_USERGROUP_READS.labels(outcome).inc()
        if code == "missing_scope":
            data = error.response.data if isinstance(error.response.data, dict) else {}
            log.error("slack.usergroups_missing_scope", needed=data.get("needed") or SCOPE, retry_in=wait,
                      hint=f"add the {SCOPE} bot scope to the Slack app (manifests/slack-app.yml) and reinstall it; "
                           "until then askers hold no Slack group principals")
        else:
            log.warning("slack.usergroups_failed", error=code, status=status, retry_in=wait)
        return ReadFailed(code, wait)


def _retry_after(error: SlackApiError) -> float:
    """Slack's Retry-After in seconds (0 when absent or unreadable); its headers are a plain dict."""
    headers = {str(name).lower(): value for name, value in (error.response.headers or {}).items()}
    return parse_retry_after(headers.get("retry-after")) or 0.0
