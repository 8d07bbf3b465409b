"""Every Prometheus metric kb exports, defined once so other modules only import and increment.

Two registries, because two kinds of process exist: `REGISTRY` is what `kb serve` shows at
/metrics (sync, questions, answers), `WORKER_REGISTRY` is what `kb worker` shows. Keeping them
apart means neither process exports a page of zeros for work it never does. Label values are
kept to small fixed sets (source names, outcomes, queues) so series counts stay bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)
WORKER_REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

# -- sync (one series per source) ------------------------------------------------------------------
SYNC_RUNS = Counter("kb_sync_runs_total", "Sync runs by trigger (schedule, cli, chat) and outcome (ok, failed, skipped).",
                    ["trigger", "outcome"], registry=REGISTRY)
SYNC_DURATION = Histogram("kb_sync_duration_seconds", "Seconds one source's sync took.", ["source"], registry=REGISTRY,
                          buckets=(1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400))
SYNC_DOCUMENTS = Counter("kb_sync_documents_total", "Documents a sync saw, by change: added, changed, deleted, unchanged.",
                         ["source", "change"], registry=REGISTRY)
SYNC_CHUNKS_EMBEDDED = Counter("kb_sync_chunks_embedded_total", "Chunks embedded by syncs.", ["source"], registry=REGISTRY)
SYNC_PERMISSIONS_UPDATED = Counter("kb_sync_permissions_updated_total", "Documents whose access list a sync updated in "
                                   "place (content unchanged, nothing embedded).", ["source"], registry=REGISTRY)
SYNC_ERRORS = Counter("kb_sync_errors_total", "Errors a sync reported (skipped files, failed sources).", ["source"],
                      registry=REGISTRY)
SYNC_LAST_RUN = Gauge("kb_sync_last_run_timestamp_seconds", "When the source's last sync finished (Unix time).", ["source"],
                      registry=REGISTRY)
SYNC_LAST_OK = Gauge("kb_sync_last_run_ok", "1 when the source's last sync succeeded, 0 when it failed.", ["source"],
                     registry=REGISTRY)
SYNC_LAST_SUCCESS = Gauge("kb_sync_last_success_timestamp_seconds", "When the source last synced successfully (Unix time).",
                          ["source"], registry=REGISTRY)

# -- questions and answers -------------------------------------------------------------------------
QUESTIONS = Counter("kb_questions_total", "Questions received by the answer core.", registry=REGISTRY)
ANSWERS = Counter("kb_answers_total", "Questions answered with citations.", registry=REGISTRY)
ESCALATIONS = Counter("kb_escalations_total", "Questions handed to people, by queue.", ["queue"], registry=REGISTRY)
ESCALATION_TICKETS = Counter("kb_escalation_tickets_total", "Escalation ticket events by queue and event (opened, claimed, "
                             "resolved, reminded).", ["queue", "event"], registry=REGISTRY)
NO_ANSWERS = Counter("kb_no_answers_total", "Questions answered 'not found' (or rejected as empty or too long).",
                     registry=REGISTRY)
ANSWER_LATENCY = Histogram("kb_answer_latency_seconds", "Seconds from question to answer inside the answer core.",
                           registry=REGISTRY, buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60))
SURFACE_EVENTS = Counter("kb_surface_events_total", "Events a chat surface handled, by surface (slack, teams) and kind "
                         "(message, mention, command, action, feedback).", ["surface", "kind"], registry=REGISTRY)
SLACK_USERGROUP_READS = Counter("kb_slack_usergroups_reads_total", "Reads of the Slack user groups (KB_SLACK_USERGROUPS) by "
                                "outcome (ok, missing_scope, rate_limited, failed).", ["outcome"], registry=REGISTRY)
TEAMS_AAD_GROUP_READS = Counter("kb_teams_aad_groups_reads_total", "Graph reads of Teams askers' AAD groups "
                                "(KB_TEAMS_AAD_GROUPS) by outcome (ok, unknown_user, denied, rate_limited, failed).",
                                ["outcome"], registry=REGISTRY)

# -- language model (generated answers and the policy's check) --------------------------------------
LLM_REQUESTS = Counter("kb_llm_requests_total", "Messages API calls by purpose (answer, policy) and outcome (ok, error, "
                       "timeout, rate_limited, overloaded).", ["purpose", "outcome"], registry=REGISTRY)
LLM_TOKENS = Counter("kb_llm_tokens_total", "Tokens the Messages API reported, by direction (input, output).", ["direction"],
                     registry=REGISTRY)
LLM_LATENCY = Histogram("kb_llm_latency_seconds", "Seconds from the request to the whole generated answer.",
                        registry=REGISTRY, buckets=(0.25, 0.5, 1, 2, 4, 8, 15, 30, 60))
LLM_FIRST_TEXT = Histogram("kb_llm_first_text_seconds", "Seconds from the request to the first streamed text.",
                           registry=REGISTRY, buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15))
LLM_FALLBACKS = Counter("kb_llm_fallbacks_total", "Answers given as snippets although an LLM is configured, by reason "
                        "(breaker_open, failed, timeout, uncited, leaked).", ["reason"], registry=REGISTRY)
LLM_UNCITED_SENTENCES = Counter("kb_llm_uncited_sentences_total", "Generated sentences shown without a citation.",
                                registry=REGISTRY)
LLM_DROPPED_CITATIONS = Counter("kb_llm_dropped_citations_total", "[n] markers removed because they pointed at no snippet.",
                                registry=REGISTRY)
LLM_BREAKER_OPEN = Gauge("kb_llm_breaker_open", "1 while the circuit breaker keeps kb in snippets mode.", registry=REGISTRY)

# -- embedding worker ------------------------------------------------------------------------------
WORKER_REQUESTS = Counter("kb_worker_requests_total", "/embed requests by HTTP status.", ["status"],
                          registry=WORKER_REGISTRY)
WORKER_TEXTS = Counter("kb_worker_texts_embedded_total", "Texts the worker embedded.", registry=WORKER_REGISTRY)
WORKER_QUEUE = Gauge("kb_worker_queue_texts", "Texts waiting for the model.", registry=WORKER_REGISTRY)
WORKER_BATCH = Histogram("kb_worker_batch_texts", "Texts per model call (coalesced from concurrent requests).",
                         registry=WORKER_REGISTRY, buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024))
WORKER_INFERENCE = Histogram("kb_worker_inference_seconds", "Seconds per model call.", registry=WORKER_REGISTRY,
                             buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60))


class SyncCounts(Protocol):
    """What `record_sync` reads of a sync's summary (`bot.index.sync.SyncSummary`).

    Described here rather than imported: metrics sit below every layer that reports to them.
    """

    added: int
    changed: int
    deleted: int
    unchanged: int
    chunks_embedded: int
    permissions_updated: int
    errors: list[str]
    seconds: float


class AnswerKind(Protocol):
    """What `record_answer` reads of an answer (`bot.answer.model.Answer`)."""

    escalated: bool
    no_answer: bool
    queue: str | None


def render(registry: CollectorRegistry = REGISTRY) -> tuple[bytes, str]:
    """The /metrics body and its content type, for whichever HTTP server exposes it."""
    return generate_latest(registry), CONTENT_TYPE


def record_sync(source: str, summary: SyncCounts, ok: bool) -> None:
    """Count what one source's sync did; called by the sync engine at the end of every run."""
    for change in ("added", "changed", "deleted", "unchanged"):
        SYNC_DOCUMENTS.labels(source, change).inc(getattr(summary, change))
    SYNC_CHUNKS_EMBEDDED.labels(source).inc(summary.chunks_embedded)
    SYNC_PERMISSIONS_UPDATED.labels(source).inc(summary.permissions_updated)
    SYNC_ERRORS.labels(source).inc(len(summary.errors))
    SYNC_DURATION.labels(source).observe(summary.seconds)
    finished = time.time()
    SYNC_LAST_RUN.labels(source).set(finished)
    SYNC_LAST_OK.labels(source).set(1 if ok else 0)
    if ok:
        SYNC_LAST_SUCCESS.labels(source).set(finished)


def record_answer(answer: AnswerKind, seconds: float) -> None:
    """Classify one finished answer: escalated, not found, or answered."""
    QUESTIONS.inc()
    ANSWER_LATENCY.observe(seconds)
    if answer.escalated:
        ESCALATIONS.labels(answer.queue or "default").inc()
    elif answer.no_answer:
        NO_ANSWERS.inc()
    else:
        ANSWERS.inc()


F = TypeVar("F", bound=Callable[..., Any])


def measured_answer(method: F) -> F:
    """Decorate the answer core's entry point so every surface is counted the same way, once."""

    @wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        answer = method(*args, **kwargs)
        record_answer(answer, time.perf_counter() - started)
        return answer

    return wrapper  # type: ignore[return-value]
