"""Wiring: builds the store, embedder, retriever and services from settings, once, lazily.

The CLI and the servers share this so a part is configured the same way everywhere, and nothing
heavy (the model takes seconds to load) is built before a command needs it.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from bot.access import AccessControl
from bot.llm.breaker import CircuitBreaker
from bot.answer.chat_terms import Table
from bot.answer.chat_terms import load as load_chat_terms
from bot.answer.compose import not_found
from bot.answer.grounded import GroundedWriter
from bot.answer.retrieve import Retriever
from bot.answer.service import AnswerService
from bot.config import Settings
from bot.index.embedding import Embedder, get_embedder
from bot.index.store import Store
from bot.index.sync import SyncEngine
from bot.policy import AnswerEverything, Policy
from bot.policy.policy_file import PolicyFile, load_policy_file
from bot.records.tables import AppTables

if TYPE_CHECKING:
    from bot.analytics.recorder import QuestionRecorder
    from bot.policy.desk import EscalationDesk


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.chat_surfaces: list[Any] = []
        """The chat surfaces being served (set by bot.server.build_app): how the weekly digest reaches chat
        (`bot.conversation.ports.ChannelPost`)."""

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.data_dir, self.settings.read_consistency)

    @cached_property
    def records(self) -> AppTables:
        """The app's own tables (tickets, feedback, seen events, memory), beside the index."""
        return AppTables(self.settings.data_dir, self.settings.read_consistency)

    @cached_property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings)

    @cached_property
    def chat_terms(self) -> Table | None:
        """The chat phrasing table retrieval searches with (None: KB_CHAT_TERMS off); ValueError names a bad
        KB_CHAT_TERMS_FILE, which the CLI and `kb serve` read at start."""
        return load_chat_terms(self.settings.chat_terms_file) if self.settings.chat_terms else None

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder, vector_weight=self.settings.vector_weight,
                         chat_terms=self.chat_terms)

    @cached_property
    def sync_engine(self) -> SyncEngine:
        return SyncEngine(self.store, self.embedder, chunk_tokens=self.settings.chunk_tokens)

    @cached_property
    def policy_file(self) -> PolicyFile:
        return load_policy_file(self.settings.policy_file or None)

    def leave_out(self, source: str) -> int:
        """Judge escalation without the policy's labelled questions from `source` (the question set `kb eval`
        measures: figures on questions the classifier learned from would say nothing); how many that is.
        Called before the policy is built."""
        if "policy" in self.__dict__:
            raise RuntimeError("leave_out must come before the policy is built")
        before = len(self.policy_file.neighbours)
        self.__dict__["policy_file"] = self.policy_file.leaving_out(source)
        return before - len(self.policy_file.neighbours)

    @cached_property
    def policy(self) -> Policy:
        """Regulated-topic detection (rules, examples, and the LLM check when a key is set)."""
        if not self.settings.policy_enabled:
            return AnswerEverything()
        from bot.policy.regulated import RegulatedTopicPolicy, vector_cache

        llm = None
        if self.settings.policy_llm and self.settings.anthropic_api_key is not None:
            from bot.policy.llm_check import AnthropicCheck

            llm = AnthropicCheck(self.settings.anthropic_api_key.get_secret_value(), self.settings.llm_model,
                                 timeout=self.settings.policy_llm_timeout, base_url=self.settings.anthropic_base_url,
                                 breaker=self.llm_breaker)
        return RegulatedTopicPolicy(self.policy_file, self.embedder, llm=llm, emergency=self.settings.emergency_contact,
                                    eap=self.settings.eap_contact,
                                    cache_dir=vector_cache(self.settings.embed_cache_dir))

    @cached_property
    def escalation_desk(self) -> EscalationDesk:
        """Tickets and queues; surfaces add their notifiers when they start."""
        from bot.policy.desk import EscalationDesk
        from bot.policy.queues import configured_queues
        from bot.records.tickets import TicketStore

        return EscalationDesk(TicketStore(self.records), configured_queues(self.policy_file, self.settings), self.policy_file)

    @cached_property
    def question_recorder(self) -> QuestionRecorder:
        """Chat questions for `kb report` (KB_RECORD_QUESTIONS); the model is asked for only when one is recorded."""
        from bot.analytics.recorder import QuestionRecorder

        return QuestionRecorder(self.settings, self.records, self.policy_file, lambda: self.embedder)

    @cached_property
    def access(self) -> AccessControl:
        """Principals and per-channel sources; built at start so a bad KB_ACCESS_FILE fails loudly."""
        return AccessControl(self.settings)

    @cached_property
    def llm_breaker(self) -> CircuitBreaker:
        """One breaker for every caller of the Messages API: answers and the policy check fail together."""
        return CircuitBreaker(self.settings.llm_breaker_failures, self.settings.llm_breaker_cooldown)

    @cached_property
    def writer(self) -> GroundedWriter | None:
        """Generated answers when ANTHROPIC_API_KEY is set; None keeps the cited-snippets answer."""
        if self.settings.anthropic_api_key is None:
            return None
        from bot.llm.client import LLMClient

        client = LLMClient(self.settings.anthropic_api_key.get_secret_value(), self.settings.llm_model,
                           base_url=self.settings.anthropic_base_url, deadline=self.settings.llm_timeout,
                           retries=self.settings.llm_retries, max_tokens=self.settings.llm_max_tokens,
                           breaker=self.llm_breaker)
        return GroundedWriter(client, self.settings.llm_system_prompt, not_found(self.settings.help_channels))

    @cached_property
    def answers(self) -> AnswerService:
        return AnswerService(self.settings, self.retriever, self.policy, self.writer)
