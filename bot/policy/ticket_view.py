"""What a queue post says about a ticket, whatever platform draws it.

Slack (Block Kit) and Teams (Adaptive Cards) render the same facts: the topic, who asked, why it
came here, its state, and which of Claim / Resolve the state still allows. Deciding those once here
keeps the two posts of one ticket (a queue can have a channel on both) from telling different
stories. Platform markup (mentions, dates, escaping) stays in each surface.
"""

from __future__ import annotations

import re

from bot.records.tickets import CLAIMED, OPEN, RESOLVED, Ticket

CLAIM, RESOLVE = "claim", "resolve"
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
"""Slack user ids (U…, W… for Enterprise Grid); anyone else is shown by name."""


def is_slack_user(who: str | None) -> bool:
    """Whether `who` is a Slack user id, so Slack can render it as a mention (`<@U…>`)."""
    return bool(who and SLACK_USER_ID.match(who))


def topic(ticket: Ticket) -> str:
    """"termination" → "termination"; "mental_health" → "mental health"; none → "help request"."""
    return (ticket.category or "help request").replace("_", " ")


def reason_note(ticket: Ticket) -> str:
    """Why a ticket that the policy did not open is here (empty for policy escalations)."""
    return "" if ticket.reason == "policy" else "asked for a person after an answer didn't help"


def asker_name(ticket: Ticket) -> str:
    """The asker's display name when the platform gave one (Teams does), else their id."""
    return ticket.conversation.get("user_name") or ticket.user


def allowed_actions(ticket: Ticket) -> tuple[str, ...]:
    """Claim while open; Resolve until resolved; nothing after."""
    actions = []
    if ticket.status == OPEN:
        actions.append(CLAIM)
    if ticket.status != RESOLVED:
        actions.append(RESOLVE)
    return tuple(actions)


def holder(ticket: Ticket) -> tuple[str, str | None] | None:
    """("claimed" | "resolved", by whom) once someone has it; None while open."""
    if ticket.status == CLAIMED:
        return CLAIMED, ticket.claimed_by
    if ticket.status == RESOLVED:
        return RESOLVED, ticket.resolved_by
    return None
