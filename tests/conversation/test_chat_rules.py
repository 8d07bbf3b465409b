"""The rules every chat surface shares: who is admin, how fast one may ask, what is remembered."""

from __future__ import annotations

from pathlib import Path

from bot.conversation.admins import is_admin
from bot.records.dedupe import SeenEvents
from bot.conversation.services import NoQueues
from bot.handover import EscalationRequest
from bot.records.memory import TABLE, ConversationMemory
from bot.conversation.ratelimit import UserRateLimiter
from bot.records.tables import AppTables


def test_no_admins_configured_means_nobody_is_admin() -> None:
    assert not is_admin([], "U123", "someone@example.com")
    assert not is_admin(["", "  "], "U123")


def test_admins_match_by_id_or_email_without_case() -> None:
    admins = ["U0ADMIN", "IT.Lead@Example.com"]
    assert is_admin(admins, "U0ADMIN")
    assert is_admin(admins, "U999", "it.lead@example.com")
    assert not is_admin(admins, "U999", None, "")
    assert not is_admin(admins, "U0ADMIN2")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_allows_a_burst_then_tells_once_then_recovers() -> None:
    clock = Clock()
    limiter = UserRateLimiter(3, clock=clock)

    verdicts = [limiter.check("U1") for _ in range(6)]

    assert [v.allowed for v in verdicts] == [True, True, True, False, False, False]
    assert [v.tell for v in verdicts[3:]] == [True, False, False]
    assert limiter.check("U2").allowed  # another user is unaffected
    clock.now += 20  # a third of a minute refills one question of three per minute
    assert limiter.check("U1").allowed
    assert not limiter.check("U1").allowed and limiter.check("U1").tell is False
    clock.now += 60
    assert limiter.check("U1").allowed
    assert UserRateLimiter(0, clock=clock).check("U1").allowed


def test_seen_events_are_remembered_across_instances(tmp_path: Path) -> None:
    store = AppTables(str(tmp_path / "index"))
    first = SeenEvents(store)

    assert first.first_time("slack:event:Ev1")
    assert not first.first_time("slack:event:Ev1")
    assert first.first_time("slack:event:Ev2")
    restarted = SeenEvents(AppTables(str(tmp_path / "index")))
    assert not restarted.first_time("slack:event:Ev1")
    assert restarted.first_time("slack:event:Ev3")


def test_pruning_keeps_recent_claims(tmp_path: Path) -> None:
    seen = SeenEvents(AppTables(str(tmp_path / "index")), prune_every=2, memory=1)

    for key in ("a", "b", "c", "d"):
        assert seen.first_time(key)

    assert not seen.first_time("a")  # out of the in-memory set, still in the table after pruning


def test_without_queues_the_escalation_hook_says_so_honestly() -> None:
    request = EscalationRequest(surface="slack", user="U1", question="q", answer="a")
    outcome = NoQueues("#it-help or #people-ops").escalate(request)

    assert not outcome.accepted and outcome.ticket_id is None and "#it-help" in outcome.message


def test_without_queues_or_help_channels_the_reply_names_no_channel() -> None:
    outcome = NoQueues("").escalate(EscalationRequest(surface="teams", user="U1", question="q", answer="a"))

    assert not outcome.accepted and "no help queues" in outcome.message and "#" not in outcome.message


def test_replicas_sharing_an_index_see_each_others_claims(tmp_path: Path) -> None:
    one, two = SeenEvents(AppTables(str(tmp_path / "index"))), SeenEvents(AppTables(str(tmp_path / "index")))
    assert one.first_time("warm-up") and not two.first_time("warm-up")  # both hold the table open now

    assert one.first_time("escalation:teams:a1:aad-1")
    assert not two.first_time("escalation:teams:a1:aad-1"), "the other replica's claim counts"


def test_memory_keeps_the_last_turns_of_a_thread_for_the_ttl_and_prunes_idle_threads(tmp_path: Path) -> None:
    clock = Clock()
    store = AppTables(str(tmp_path / "index"))
    memory = ConversationMemory(store, turns=2, ttl=100, prune_every=5, clock=clock)

    for question in ("first?", "second?", "third?"):
        memory.remember("thread-a", question)
    clock.now = 50
    memory.remember("thread-b", "elsewhere?")

    assert memory.recent("thread-a") == ["second?", "third?"], "only the last `turns` questions"
    assert ConversationMemory(AppTables(str(tmp_path / "index")), clock=clock).recent("thread-a") == ["second?", "third?"]
    clock.now = 120
    assert memory.recent("thread-a") == [] and memory.recent("thread-b") == ["elsewhere?"]
    memory.remember("thread-b", "again?")  # the fifth write prunes: threads idle for the TTL leave the table
    assert store.table(TABLE).count_rows() == 1
    assert memory.recent("thread-b") == ["elsewhere?", "again?"]
    memory.remember("thread-c", "   ")
    assert store.table(TABLE).count_rows() == 1, "blank questions are not kept"
