"""The Slack Web API client kb uses, and how its errors are named in logs.

Its own module so every Slack part (the surface, the directory lookups, the user groups, the queue
posts) builds the client and reads Slack's error codes the same way without importing the surface.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings


def web_client(settings: Settings, *, wait_when_rate_limited: bool = True, timeout: int = 30) -> AsyncWebClient:
    """The Web API client: 5xx and dropped connections are retried, and 429s after Retry-After.

    `wait_when_rate_limited=False` is for callers that must not hold a question for Retry-After
    seconds (the user-group list): they see the 429 at once and schedule their own next try.
    """
    handlers: list[AsyncRetryHandler] = [AsyncConnectionErrorRetryHandler(max_retry_count=2),
                                         AsyncServerErrorRetryHandler(max_retry_count=2)]
    if wait_when_rate_limited:
        handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        base_url=settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/",
        retry_handlers=handlers, timeout=timeout,
    )


def api_error(error: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the answer was not Slack's JSON."""
    data = error.response.data
    return str(data.get("error")) if isinstance(data, dict) else f"http_{error.response.status_code}"
