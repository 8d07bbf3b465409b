"""Tickets in LanceDB: lifecycle, restarts, reminders, and `kb escalations`."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.handover import EscalationRequest
from bot.records.tables import AppTables
from bot.policy.desk import EscalationDesk
from bot.policy.policy_file import load_policy_file
from bot.policy.queues import Queue
from bot.records.tickets import CLAIMED, OPEN, RESOLVED, QueuePost, Ticket, TicketStore


@dataclass
class RecordingNotifier:
    """A QueueNotifier that records what a platform would have been asked to do."""

    surface: str = "slack"
    posts: list[tuple[str, str, bool]] = field(default_factory=list)
    updates: list[tuple[str, str]] = field(default_factory=list)
    told: list[tuple[str, str]] = field(default_factory=list)

    def post_ticket(self, ticket: Ticket, queue: Queue, *, reminder: bool = False) -> QueuePost | None:
        self.posts.append((ticket.id, queue.slack_channel, reminder))
        return QueuePost(self.surface, queue.slack_channel, f"1.{len(self.posts)}")

    def update_ticket(self, ticket: Ticket, queue: Queue, post: QueuePost) -> None:
        self.updates.append((post.ts, ticket.status))

    def tell_user(self, ticket: Ticket, text: str) -> None:
        self.told.append((ticket.id, text))

    def thread_link(self, conversation: dict[str, str]) -> str:
        return f"https://acme.slack.com/archives/{conversation['channel']}/p{conversation['thread_ts'].replace('.', '')}"


def make_desk(data_dir: Path, notifier: RecordingNotifier) -> EscalationDesk:
    policy = load_policy_file()
    queues = {key: Queue(key, q.name, f"C{key.upper()}", "") for key, q in policy.queues.items()}
    return EscalationDesk(TicketStore(AppTables(str(data_dir))), queues, policy, [notifier])


def request(thread: str = "1700000000.000100", category: str | None = "legal") -> EscalationRequest:
    return EscalationRequest(surface="slack", user="U0ASKER", question="is my non-compete enforceable?", answer="",
                             reason="policy", conversation={"channel": "D0ASKER", "thread_ts": thread}, category=category)


def test_a_ticket_is_posted_to_its_categorys_queue_and_survives_a_restart(tmp_path: Path) -> None:
    notifier = RecordingNotifier()
    ticket = make_desk(tmp_path, notifier).open(request())

    reopened = TicketStore(AppTables(str(tmp_path))).get(ticket.id)  # a new process, the same data dir

    assert notifier.posts == [(ticket.id, "CLEGAL", False)]
    assert reopened is not None and reopened.status == OPEN and reopened.queue == "legal"
    assert reopened.question == "is my non-compete enforceable?" and reopened.user == "U0ASKER"
    assert reopened.link == "https://acme.slack.com/archives/D0ASKER/p1700000000000100"
    assert reopened.posts == (QueuePost("slack", "CLEGAL", "1.1"),)


def test_claim_tells_the_user_who_took_it_and_a_second_claim_is_refused(tmp_path: Path) -> None:
    notifier = RecordingNotifier()
    desk = make_desk(tmp_path, notifier)
    ticket = desk.open(request())

    first = desk.claim(ticket.id, "U0LAWYER")
    second = desk.claim(ticket.id, "U0OTHER")

    assert first.ok and first.ticket is not None and first.ticket.status == CLAIMED
    assert not second.ok and "<@U0LAWYER>" in second.message
    assert notifier.updates == [("1.1", CLAIMED)]
    assert notifier.told == [(ticket.id, notifier.told[0][1])] and "<@U0LAWYER>" in notifier.told[0][1]
    stored = desk.tickets.get(ticket.id)
    assert stored is not None and stored.claimed_by == "U0LAWYER" and stored.claimed_at is not None


def test_a_claim_made_on_another_replica_counts_at_once(tmp_path: Path) -> None:
    """Two replicas, each with its tables open: the second must not hand out a ticket the first claimed."""
    first_replica, second_replica = make_desk(tmp_path, RecordingNotifier()), make_desk(tmp_path, RecordingNotifier())
    ticket = first_replica.open(request())
    assert second_replica.tickets.get(ticket.id) is not None  # the second opened the table at this version

    assert first_replica.claim(ticket.id, "U0LAWYER").ok
    late = second_replica.claim(ticket.id, "U0OTHER")

    assert not late.ok and "<@U0LAWYER>" in late.message


@dataclass
class SlowNotifier(RecordingNotifier):
    """Posts only when released, and announces each post as the platform would show it (a live button)."""

    shown: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def post_ticket(self, ticket: Ticket, queue: Queue, *, reminder: bool = False) -> QueuePost | None:
        self.shown.set()
        assert self.release.wait(10)
        return super().post_ticket(ticket, queue, reminder=reminder)


def test_a_claim_clicked_before_its_post_is_recorded_still_counts(tmp_path: Path) -> None:
    notifier = SlowNotifier()
    desk = make_desk(tmp_path, notifier)
    opened: list[Ticket] = []
    opening = threading.Thread(target=lambda: opened.append(desk.open(request())))
    opening.start()
    assert notifier.shown.wait(10)
    [ticket_id] = [ticket.id for ticket in desk.tickets.list()]
    posted = desk._posting[ticket_id]

    class ReleasedByTheWaitingClick(threading.Event):
        """The post completes only once the click is waiting for it: the race, made certain."""

        def wait(self, timeout: float | None = None) -> bool:
            notifier.release.set()
            return posted.wait(timeout)

    desk._posting[ticket_id] = ReleasedByTheWaitingClick()
    claim = desk.claim(ticket_id, "U0LAWYER", ("slack", "CLEGAL"))
    opening.join(10)

    assert claim.ok, claim.message
    assert notifier.updates == [("1.1", CLAIMED)], "the queue post shows the claim"


def test_resolve_closes_the_ticket_and_frees_the_thread(tmp_path: Path) -> None:
    notifier = RecordingNotifier()
    desk = make_desk(tmp_path, notifier)
    ticket = desk.open(request())
    assert desk.active_in_thread("slack", ticket.conversation)

    result = desk.resolve(ticket.id, "U0LAWYER")

    assert result.ok and result.ticket is not None and result.ticket.status == RESOLVED
    assert result.ticket.resolved_by == "U0LAWYER" and result.ticket.resolved_at is not None
    assert not desk.active_in_thread("slack", ticket.conversation)
    assert not desk.resolve(ticket.id, "U0LAWYER").ok
    assert notifier.updates[-1] == ("1.1", RESOLVED)


def test_unclaimed_tickets_are_reposted_once_per_interval(tmp_path: Path) -> None:
    notifier = RecordingNotifier()
    desk = make_desk(tmp_path, notifier)
    old, claimed = desk.open(request("1.000001")), desk.open(request("1.000002"))
    desk.claim(claimed.id, "U0HR")
    later = datetime.now(timezone.utc) + timedelta(hours=5)

    first = desk.remind(timedelta(hours=4), now=later)
    again = desk.remind(timedelta(hours=4), now=later + timedelta(minutes=30))
    much_later = desk.remind(timedelta(hours=4), now=later + timedelta(hours=4))

    assert [t.id for t in first] == [old.id] and again == [] and [t.id for t in much_later] == [old.id]
    assert [post for post in notifier.posts if post[2]] == [(old.id, "CLEGAL", True)] * 2
    # Claiming now updates the original post and both reminders.
    desk.claim(old.id, "U0HR")
    assert len([update for update in notifier.updates if update[1] == CLAIMED]) == 1 + 3


def test_not_helpful_hook_goes_to_the_default_queue(tmp_path: Path) -> None:
    notifier = RecordingNotifier()
    outcome = make_desk(tmp_path, notifier).escalate(request(category=None))

    assert outcome.accepted and outcome.queue == "helpdesk" and outcome.ticket_id
    assert notifier.posts == [(outcome.ticket_id, "CHELPDESK", False)]


def test_kb_escalations_lists_tickets_and_keeps_questions_private_by_default(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, RecordingNotifier())
    first, second = desk.open(request("1.1")), desk.open(request("1.2", category="medical"))
    desk.claim(second.id, "U0BEN")
    runner = CliRunner()

    listed = json.loads(runner.invoke(app, ["escalations", "--json", "--data-dir", str(tmp_path)]).stdout)
    claimed = json.loads(runner.invoke(app, ["escalations", "--json", "--status", "claimed", "--questions",
                                             "--data-dir", str(tmp_path)]).stdout)
    table = runner.invoke(app, ["escalations", "--data-dir", str(tmp_path)])

    assert [row["id"] for row in listed] == [first.id, second.id]
    assert all("question" not in row for row in listed)
    assert [(row["id"], row["status"], row["claimed_by"], row["queue"]) for row in claimed] == [
        (second.id, "claimed", "U0BEN", "benefits")]
    assert claimed[0]["question"] == "is my non-compete enforceable?"
    assert table.exit_code == 0 and "1 open, 1 claimed, 0 resolved" in table.stdout and "non-compete" not in table.stdout
