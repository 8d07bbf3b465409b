"""Wiring: builds the store, embedder, retriever and services from settings, once, lazily.

The CLI and the servers share this so a part is configured the same way everywhere, and nothing
heavy (the model takes seconds to load) is built before a command needs it.
"""

from __future__ import annotations

from functools import cached_property

from bot.answer.retrieve import Retriever
from bot.answer.service import AnswerService
from bot.config import Settings
from bot.index.embedding import Embedder, get_embedder
from bot.index.store import Store
from bot.index.sync import SyncEngine


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.data_dir)

    @cached_property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder)

    @cached_property
    def sync_engine(self) -> SyncEngine:
        return SyncEngine(self.store, self.embedder, chunk_tokens=self.settings.chunk_tokens)

    @cached_property
    def answers(self) -> AnswerService:
        return AnswerService(self.settings, self.retriever)
