"""What a chat surface must provide: a neutral `Incoming` message and a `Reply` port.

A surface turns its platform's event into an `Incoming`, implements `Reply` for the few things only
the platform can do, and calls `bot.conversation.flow`. Everything else (dedupe, tickets on a thread,
rate limits, commands, admin checks, drafts, escalation, apologies) happens once, in the flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.access import Asker
from bot.answer.model import Answer
from bot.conversation.wording import GroupsHealth, Markup


@dataclass(frozen=True)
class Incoming:
    """A person's message to kb, as every surface describes it."""

    surface: str
    """"slack" or "teams": the platform, in ticket and dedupe keys and metrics."""
    kind: str
    """"message" (a direct or personal chat) or "mention" (in a channel): a metrics label."""
    text: str
    """The words, with the platform's markup and the bot's own mention removed."""
    delivery: str
    """The key that makes this delivery once-only (a retried event carries the same one); "" when there is none."""
    user: str
    """The asker's platform id: rate limits, tickets and feedback key on it ("" when unknown)."""
    thread: dict[str, str]
    """{"channel", "thread_ts"}: the thread, as the ticket table keys threads."""
    conversation: dict[str, str]
    """Where to reach the asker again, as a ticket keeps it (a superset of `thread`)."""
    identities: tuple[str, ...] = ()
    """Every id KB_ADMINS may list for the asker (Slack user id; Teams AAD object id and user id)."""
    display: str = ""
    """How the asker is named in messages others read ("<@U123>", a Teams name)."""
    memory_key: str = ""
    """The thread whose earlier questions kb remembers, for platforms it cannot read back."""
    commands: bool = False
    """Whether a message of a command word (help, status, reindex) is a command on this surface."""
    follow_up: bool = False
    """Posted inside an existing thread (for the logs)."""


OutcomeKind = Literal["answered", "not_found", "escalated", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What became of one question that reached the answer core."""

    incoming: Incoming
    kind: OutcomeKind
    answer: Answer | None
    """None when answering failed (the asker was apologised to)."""
    seconds: float
    """From the flow's start of the answer to the reply being posted."""
    answer_id: str | None = None
    """The id the answer's feedback and "ask a person" buttons carry (None when answering failed)."""


class CommandReply(Protocol):
    """What only the platform can do to answer a command (help, status, reindex)."""

    markup: Markup
    """How this surface writes the flow's sentences."""

    async def say(self, text: str, *, replace_draft: bool = False) -> None:
        """Post `text` to whoever asked, where they asked (in place of the draft when asked and there is one)."""

    async def directory_names(self) -> Sequence[str]:
        """The asker's emails or UPNs from the platform's directory (for KB_ADMINS entries that are emails)."""

    def groups_health(self) -> GroupsHealth | None:
        """How reading askers' groups is going on this surface (for status); None when off."""

    async def report(self, text: str, details: Sequence[str] = (), *, progress: bool = False) -> None:
        """A reindex report for whoever asked: progress (in place of the last one where possible) or the end."""

    @property
    def privately(self) -> str | None:
        """How `say_privately` reaches the asker, as the end of a sentence ("in a direct message"); "" when
        this conversation is private already; None when it can't from here (a Teams channel)."""

    async def say_privately(self, text: str) -> None:
        """Post `text` where only the asker reads it (see `privately`)."""


class Reply(CommandReply, Protocol):
    """What only the platform can do to answer one question."""

    looking_after: float
    """Seconds an answer may take before `looking(True)` is shown (0: at once)."""

    async def draft(self, text: str) -> None:
        """Show the answer being written: post it the first time, update that post afterwards."""

    async def answer(self, answer: Answer, answer_id: str) -> None:
        """The finished answer, rendered for the platform, in place of the draft if one was shown; its
        feedback and "ask a person" buttons, where it has them, carry `answer_id`."""

    async def history(self) -> list[str] | None:
        """The people's earlier messages in the thread, oldest first; None when the platform can't read them."""

    async def asker(self) -> Asker:
        """Who asked, for access control (email, groups, guest, where the answer lands)."""

    async def looking(self, on: bool) -> None:
        """Show (or take back) that kb is looking something up."""


class ChannelPost(Protocol):
    """What a running surface offers posts nobody asked for in the moment (the weekly digest)."""

    name: str
    """"slack" or "teams"."""
    markup: Markup

    async def post_in_channel(self, channel: str, text: str) -> bool:
        """Start a new message in `channel`; False (logged) when the platform refused it."""
