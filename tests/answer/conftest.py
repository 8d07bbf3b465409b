"""A fake Messages API on a local port, and runtimes whose answers go through it.

The real anthropic SDK talks HTTP to `FakeMessages` (JSON or server-sent events); the index is
the example runbooks, built once per session; nothing in between is replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from bot.runtime import Runtime
from tests.fakes.aio import LoopThread
from tests.fakes.anthropic_messages import FakeMessages

API_KEY = "sk-ant-test"
MODEL = "claude-test-pinned"


@pytest.fixture()
def fake_llm() -> Iterator[tuple[FakeMessages, str]]:
    with LoopThread() as loop:
        messages = FakeMessages()
        url = loop.serve(messages.app())
        yield messages, url
        messages.release()  # end hangs before the server stops


def llm_settings(url: str, **overrides: Any) -> dict[str, Any]:
    """Settings for answers through the fake: key, base URL, pinned model; the policy's check off unless asked."""
    return {"anthropic_api_key": SecretStr(API_KEY), "anthropic_base_url": url, "llm_model": MODEL, "policy_llm": False,
            **overrides}


LLMRuntime = Callable[..., Runtime]


@pytest.fixture()
def llm_runtime(request: pytest.FixtureRequest, fake_llm: tuple[FakeMessages, str]) -> LLMRuntime:
    """A runtime over `base`'s index (default: the example runbooks, built only when asked for) whose
    answers are written through the fake; keywords override settings."""

    def make(base: Runtime | None = None, **overrides: Any) -> Runtime:
        base = base or request.getfixturevalue("example_runtime")
        rt = Runtime(base.settings.model_copy(update=llm_settings(fake_llm[1], **overrides)))
        rt.store, rt.embedder = base.store, base.embedder
        return rt

    return make
