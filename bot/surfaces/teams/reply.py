"""Teams' side of the reply port (`bot.conversation.ports`): activities in the turn, nothing decided here.

Answers are Adaptive Cards in the message's thread; a draft card is updated in place while the
model writes; "looking" is the typing indicator. A Teams bot cannot read a thread back, so
`history` says so (None) and the flow keeps its own memory of the thread. Reindex reports go to the
conversation the command came from, in proactive turns (the command's turn is long over).
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from bot.access import Asker
from bot.access.people import TTLCache
from bot.answer.model import Answer
from bot.conversation.wording import GroupsHealth
from bot.surfaces.teams import activity as read
from bot.surfaces.teams import cards, people
from bot.surfaces.teams.botframework import BotFramework, Turn
from bot.surfaces.teams.groups import AadGroups

log = structlog.get_logger(__name__)


class TeamsReply:
    markup = cards.MARKUP
    looking_after = 0.0
    """The typing indicator goes out at once: Teams shows it for a few seconds only."""

    def __init__(self, turn: Turn, framework: BotFramework, cache: TTLCache, aad_groups: AadGroups | None) -> None:
        self.turn = turn
        self.framework = framework
        self.cache = cache
        self.aad_groups = aad_groups
        self.draft_id: str | None = None

    async def say(self, text: str, *, replace_draft: bool = False) -> None:
        if replace_draft and self.draft_id is not None:
            await self.turn.update(self.draft_id, text)
        else:
            await self.turn.send(text)

    async def draft(self, text: str) -> None:
        card = cards.draft_card(text)
        if self.draft_id is None:
            self.draft_id = await self.turn.send(card=card, summary=text[:200])
        else:
            await self.turn.update(self.draft_id, card=card, summary=text[:200])

    async def answer(self, answer: Answer, answer_id: str) -> None:
        feedback = None
        if answer.citations:
            asker = read.identities(self.turn.activity)
            feedback = cards.FeedbackData.of(answer_id, answer, asker[0] if asker else "")
        card, summary = cards.answer_card(answer, feedback), cards.answer_summary(answer)
        if self.draft_id is None:
            await self.turn.send(card=card, summary=summary)
        else:
            await self.turn.update(self.draft_id, card=card, summary=summary)
        log.info("teams.answered", citations=len(answer.citations), no_answer=answer.no_answer,
                 generated=answer.generated, streamed=self.draft_id is not None)

    async def history(self) -> list[str] | None:
        return None

    async def asker(self) -> Asker:
        return await people.asker(self.turn, self.cache, self.aad_groups)

    async def looking(self, on: bool) -> None:
        if on:
            await self.turn.typing()

    async def directory_names(self) -> Sequence[str]:
        found = await people.person(self.turn, self.cache)  # the roster knows the email / UPN
        return [name for name in (found.email, found.upn) if name] if found is not None else []

    def groups_health(self) -> GroupsHealth | None:
        return self.aad_groups.health() if self.aad_groups is not None else None

    @property
    def privately(self) -> str | None:
        """A bot has no private reply in a Teams channel: only a personal chat is private."""
        return "" if read.is_personal(self.turn.activity) else None

    async def say_privately(self, text: str) -> None:
        await self.turn.send(text)

    async def report(self, text: str, details: Sequence[str] = (), *, progress: bool = False) -> None:
        message = cards.report_text(text, details)

        async def send(turn: Turn) -> None:
            await turn.send(message)

        # Threaded under the command, not the continuation.
        await self.framework.continue_in(read.conversation_of(self.turn.activity), send,
                                         reply_to=self.turn.activity.get("id"))
