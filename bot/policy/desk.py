"""The escalation desk: opens tickets, posts them to their queue, and carries claim and resolve.

Every surface uses this one object (it implements the chat core's `Escalator` hook too), so the
lifecycle rules live once: a ticket is claimed only while open, resolved once, and every change
is written to the ticket table before anyone is told, so what people see never runs ahead of
what a restart would remember. Logs carry ticket ids, categories and queues, never the question.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import structlog

from bot import metrics
from bot.handover import EscalationOutcome, EscalationRequest
from bot.policy import ticket_view as view
from bot.policy.policy_file import PolicyFile
from bot.policy.queues import Queue, QueueNotifier
from bot.records.tickets import CLAIMED, OPEN, RESOLVED, QueuePost, Ticket, TicketStore, with_posts

log = structlog.get_logger(__name__)


NOT_FROM_QUEUE = "Only the queue channel this ticket was posted to can claim or resolve it."
MISSING = "I can't find that ticket any more."


@dataclass(frozen=True)
class ActionResult:
    """The outcome of claim or resolve; `message` goes privately to whoever clicked."""

    ok: bool
    message: str
    ticket: Ticket | None = None


class EscalationDesk:
    def __init__(self, tickets: TicketStore, queues: dict[str, Queue], policy: PolicyFile,
                 notifiers: Iterable[QueueNotifier] = ()) -> None:
        self.tickets = tickets
        self.queues = queues
        self.policy = policy
        self.notifiers: dict[str, QueueNotifier] = {notifier.surface: notifier for notifier in notifiers}
        self._posting: dict[str, threading.Event] = {}
        """Tickets whose queue posts are being sent: a click on one waits until they are recorded."""

    def add_notifier(self, notifier: QueueNotifier) -> None:
        """Surfaces register themselves as they start (Slack now, Teams later)."""
        self.notifiers[notifier.surface] = notifier

    # -- opening -----------------------------------------------------------------------------------
    def queue_for(self, category: str | None, queue: str | None = None) -> Queue:
        if queue in self.queues:
            return self.queues[queue]
        config = self.policy.categories.get(category or "")
        return self.queues[config.queue if config else self.policy.default_queue]

    def open(self, request: EscalationRequest) -> Ticket:
        """Record a ticket and post it to its queue on every platform that has a channel for it."""
        queue = self.queue_for(request.category, request.queue)
        notifier = self.notifiers.get(request.surface)
        link = notifier.thread_link(request.conversation) if notifier is not None else ""
        ticket = Ticket.new(category=request.category, queue=queue.key, reason=request.reason, surface=request.surface,
                            user=request.user, conversation=request.conversation, question=request.question, link=link)
        posted = self._posting[ticket.id] = threading.Event()
        try:
            with self.tickets.lock:
                self.tickets.save(ticket)
            posts = self._post(ticket, queue)
            with self.tickets.lock:
                ticket = self.tickets.save(with_posts(self.tickets.get(ticket.id) or ticket, posts))
        finally:
            posted.set()
            self._posting.pop(ticket.id, None)
        metrics.ESCALATION_TICKETS.labels(queue.key, "opened").inc()
        log.info("escalation.opened", ticket=ticket.id, category=ticket.category, queue=queue.key,
                 reason=ticket.reason, surface=ticket.surface, posted=len(posts))
        return ticket

    def escalate(self, request: EscalationRequest) -> EscalationOutcome:
        """The chat core's "ask a person" hook (after a "not helpful")."""
        ticket = self.open(request)
        queue = self.queues[ticket.queue]
        return EscalationOutcome(accepted=True, ticket_id=ticket.id, queue=queue.key,
                                 message=f"I've passed your question to the {queue.name} team. "
                                         "A person from there will follow up with you privately.")

    def _post(self, ticket: Ticket, queue: Queue, *, reminder: bool = False) -> list[QueuePost]:
        posts = []
        for notifier in self.notifiers.values():
            if not queue.channel(notifier.surface):
                continue
            post = notifier.post_ticket(ticket, queue, reminder=reminder)
            if post is not None:
                posts.append(post)
        if not posts:
            log.error("escalation.not_posted", ticket=ticket.id, queue=queue.key, surfaces=sorted(self.notifiers),
                      hint="set the queue's channel (KB_QUEUE_SLACK_CHANNELS / KB_QUEUE_TEAMS_CHANNELS) for a "
                           "platform kb runs on, and add the bot to it")
        return posts

    # -- the lifecycle -----------------------------------------------------------------------------
    def _wait_for_posts(self, ticket_id: str, timeout: float = 30.0) -> None:
        """A click can beat the recording of the post it was made on (the button is live as soon as
        the platform shows it); judged before that, it would look as if it came from elsewhere."""
        posting = self._posting.get(ticket_id)
        if posting is not None:
            posting.wait(timeout)

    def _transition(self, ticket_id: str, where: tuple[str, str] | None,
                    change: Callable[[Ticket], Ticket | ActionResult]) -> Ticket | ActionResult:
        """Apply `change` to the stored ticket under the lock, so two clicks are decided one at a time.

        Who may act on a ticket is whoever is in its private queue channel: the platforms deliver a
        click only from someone who sees the post, and the request is verified. So a click counts only
        from a channel the ticket was posted to (`where`: surface, channel); a button that travels
        elsewhere (a shared message, a crafted card value in a chat with the bot) acts on nothing.
        """
        self._wait_for_posts(ticket_id)
        with self.tickets.lock:
            ticket = self.tickets.get(ticket_id)
            if ticket is None:
                return ActionResult(False, MISSING)
            if where is not None and not any(post.surface == where[0] and post.channel == where[1]
                                             for post in ticket.posts):
                return ActionResult(False, NOT_FROM_QUEUE)
            changed = change(ticket)
            return changed if isinstance(changed, ActionResult) else self.tickets.save(changed)

    def _announce(self, ticket: Ticket, by: str, user_text: str) -> None:
        """Every queue post shows the new state, the asker hears `user_text` after who acted."""
        queue = self.queues.get(ticket.queue) or self.queue_for(ticket.category)
        self._update_posts(ticket, queue)
        self._tell_user(ticket, f"{self._sentence(ticket, by)} from the {queue.name} team {user_text}")
        metrics.ESCALATION_TICKETS.labels(ticket.queue, ticket.status).inc()
        log.info(f"escalation.{ticket.status}", ticket=ticket.id, queue=ticket.queue, by=by)

    def active_in_thread(self, surface: str, conversation: dict[str, str]) -> bool:
        return self.tickets.active_in_thread(surface, conversation) is not None

    def claim(self, ticket_id: str, by: str, where: tuple[str, str] | None = None) -> ActionResult:
        """`where` (surface, channel) is where the button was clicked: see `_transition`."""

        def claimed(ticket: Ticket) -> Ticket | ActionResult:
            if ticket.status != OPEN:
                who = ticket.claimed_by if ticket.status == CLAIMED else ticket.resolved_by
                return ActionResult(False, f"This ticket is already {ticket.status} by {self._mention(ticket, who)}.",
                                    ticket)
            return replace(ticket, status=CLAIMED, claimed_by=by, claimed_at=datetime.now(timezone.utc))

        ticket = self._transition(ticket_id, where, claimed)
        if isinstance(ticket, ActionResult):
            return ticket
        self._announce(ticket, by, "has picked up your question and will follow up with you privately.")
        return ActionResult(True, "You've claimed this ticket; the person who asked has been told.", ticket)

    def resolve(self, ticket_id: str, by: str, where: tuple[str, str] | None = None) -> ActionResult:
        def resolved(ticket: Ticket) -> Ticket | ActionResult:
            if ticket.status == RESOLVED:
                return ActionResult(False, f"This ticket was already resolved by {self._mention(ticket, ticket.resolved_by)}.",
                                    ticket)
            now = datetime.now(timezone.utc)
            return replace(ticket, status=RESOLVED, resolved_by=by, resolved_at=now,
                           claimed_by=ticket.claimed_by or by, claimed_at=ticket.claimed_at or now)

        ticket = self._transition(ticket_id, where, resolved)
        if isinstance(ticket, ActionResult):
            return ticket
        self._announce(ticket, by, "marked your question as resolved. If you still need help, ask me again.")
        return ActionResult(True, "Marked resolved; the person who asked has been told.", ticket)

    def remind(self, after: timedelta, now: datetime | None = None) -> list[Ticket]:
        """Re-post tickets left unclaimed for `after`; each is re-posted again only after another `after`."""
        now = now or datetime.now(timezone.utc)
        reminded = []
        for ticket in self.tickets.due_for_reminder(now, after):
            queue = self.queues.get(ticket.queue) or self.queue_for(ticket.category)
            posts = self._post(ticket, queue, reminder=True)
            with self.tickets.lock:
                current = self.tickets.get(ticket.id)
                if current is None or current.status != OPEN:
                    continue  # claimed meanwhile; the reminder post will show that on its next update
                reminded.append(self.tickets.save(replace(with_posts(current, posts), reminded_at=now)))
            metrics.ESCALATION_TICKETS.labels(queue.key, "reminded").inc()
            log.info("escalation.reminded", ticket=ticket.id, queue=queue.key, posted=len(posts))
        return reminded

    def _update_posts(self, ticket: Ticket, queue: Queue) -> None:
        for post in ticket.posts:
            notifier = self.notifiers.get(post.surface)
            if notifier is not None:
                notifier.update_ticket(ticket, queue, post)

    def _tell_user(self, ticket: Ticket, text: str) -> None:
        notifier = self.notifiers.get(ticket.surface)
        if notifier is not None:
            notifier.tell_user(ticket, text)

    def _mention(self, ticket: Ticket, who: str | None) -> str:
        """A person as the asker's platform can show them.

        Slack ids become mentions in Slack; a Slack id means nothing in Teams (nor a Teams name in
        a Slack mention), so across platforms a Slack claimer is "someone" and a Teams one their name.
        """
        if not who:
            return "someone"
        if view.is_slack_user(who):
            return f"<@{who}>" if ticket.surface == "slack" else "someone"
        return who

    def _sentence(self, ticket: Ticket, who: str | None) -> str:
        """`_mention` at the start of a sentence."""
        mention = self._mention(ticket, who)
        return mention[:1].upper() + mention[1:]
