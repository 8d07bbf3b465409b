"""Recent questions per conversation, for platforms whose threads a bot cannot read back.

Slack gives the bot `conversations.replies`; Teams gives a bot no thread-history call with its
usual permissions. So the Teams surface remembers, per thread (a channel thread, or a personal
chat as a whole), the last few questions it answered there and passes them as `history` to the
answer core, which needs only the people's words ("and for contractors?" means little alone; the
bot's own long answers would drown the follow-up in the retrieval query, so they are not kept).

In process and bounded: at most `conversations` threads (least recently used dropped), `turns`
questions each, none older than `ttl` seconds. A restart or a second replica forgets, which costs
a follow-up its context, never its answer. Escalated questions are never remembered.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable


class ConversationMemory:
    def __init__(self, *, turns: int = 6, conversations: int = 2000, ttl: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.turns = turns
        self.conversations = conversations
        self.ttl = ttl
        self.clock = clock
        self._threads: OrderedDict[str, deque[tuple[float, str]]] = OrderedDict()

    def remember(self, key: str, question: str) -> None:
        """Record a question answered in thread `key` (after it was answered)."""
        if self.turns <= 0 or not question.strip():
            return
        thread = self._threads.pop(key, None) or deque(maxlen=self.turns)
        thread.append((self.clock(), question))
        self._threads[key] = thread
        while len(self._threads) > self.conversations:
            self._threads.popitem(last=False)

    def recent(self, key: str) -> list[str]:
        """The thread's remembered questions, oldest first, without the expired ones."""
        thread = self._threads.get(key)
        if not thread:
            return []
        horizon = self.clock() - self.ttl
        while thread and thread[0][0] < horizon:
            thread.popleft()
        if not thread:
            del self._threads[key]
            return []
        self._threads.move_to_end(key)
        return [question for _, question in thread]
