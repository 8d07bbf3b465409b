"""Human queues and the notifier protocol each chat platform implements to reach them.

A queue (HR, Legal, Benefits, People Partner…) is a channel on Slack and/or Teams where people
pick up escalations. The channels come from the policy file, overridden per queue by settings
(KB_QUEUE_SLACK_CHANNELS, KB_QUEUE_TEAMS_CHANNELS) so deployments set them without editing it.
`QueueNotifier` is the whole of what the escalation desk needs from a platform, so Teams adds one
class and nothing else changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from bot.config import Settings
from bot.policy.policy_file import PolicyFile, Queue
from bot.records.tickets import QueuePost, Ticket


def _overrides(entries: list[str]) -> dict[str, str]:
    pairs = (entry.split("=", 1) for entry in entries if "=" in entry)
    return {key.strip(): value.strip() for key, value in pairs}


def configured_queues(policy: PolicyFile, settings: Settings) -> dict[str, Queue]:
    slack, teams = _overrides(settings.queue_slack_channels), _overrides(settings.queue_teams_channels)
    unknown = (set(slack) | set(teams)) - set(policy.queues)
    if unknown:
        raise ValueError(f"queue channel settings name unknown queues: {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(policy.queues)}")
    return {key: replace(queue, slack_channel=slack.get(key, queue.slack_channel),
                         teams_channel=teams.get(key, queue.teams_channel))
            for key, queue in policy.queues.items()}


class QueueNotifier(Protocol):
    """One platform's side of escalations: queue posts, and messages to the person who asked."""

    surface: str

    def post_ticket(self, ticket: Ticket, queue: Queue, *, reminder: bool = False) -> QueuePost | None:
        """Post the ticket to the queue's channel on this platform (None: no channel here, or it failed)."""
        ...

    def update_ticket(self, ticket: Ticket, queue: Queue, post: QueuePost) -> None:
        """Show the ticket's new state (claimed, resolved) in a post made earlier."""
        ...

    def tell_user(self, ticket: Ticket, text: str) -> None:
        """Reply to the asker in the thread they asked in (only for tickets opened on this platform)."""
        ...

    def thread_link(self, surface_conversation: dict[str, str]) -> str:
        """A link a person in the queue can open to reach the thread."""
        ...
