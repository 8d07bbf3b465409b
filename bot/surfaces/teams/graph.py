"""Microsoft Graph as the bot's own app registration: a client-credentials token and paged GETs.

The token is the OAuth2 client-credentials grant of the Azure Bot's app (MICROSOFT_APP_ID and
MICROSOFT_APP_PASSWORD, in MICROSOFT_APP_TENANT_ID) for `https://graph.microsoft.com/.default`: it
carries whatever *application* permissions an admin consented to in Entra ID, nothing per user. It
is one form POST (what MSAL sends for `acquire_token_for_client`), kept until five minutes before
it expires; KB_GRAPH_TOKEN_URL and KB_GRAPH_URL point elsewhere for a national cloud or a test fake.

Graph pages collections (`@odata.nextLink`, an absolute URL); the token is sent only to links under
KB_GRAPH_URL, so an answer can never redirect it to another host. Errors become `GraphError` with
Graph's code (`Authorization_RequestDenied`) or the token endpoint's (`invalid_client`), and the
Retry-After of a 429; retrying is left to the caller, who knows whether a question is waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from bot.config import Settings
from connectors.retry import parse_retry_after

SCOPE = "https://graph.microsoft.com/.default"
TOKEN_MARGIN = 300.0
"""Seconds before its expiry a token is replaced, so none expires on its way to Graph."""
MAX_PAGES = 100
"""A collection longer than this many pages is treated as an error rather than read forever."""


class GraphError(Exception):
    """Graph or the token endpoint refused, or answered something unusable."""

    def __init__(self, status: int, code: str, message: str = "", retry_after: float = 0.0) -> None:
        super().__init__(f"{status} {code}: {message}" if message else f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class AppCredentials:
    """The app registration kb signs in to Graph as."""

    client_id: str
    secret: str
    tenant: str

    @classmethod
    def from_settings(cls, settings: Settings) -> AppCredentials | None:
        """None unless the app id, its secret and a tenant are all set (client credentials need one tenant)."""
        secret = settings.microsoft_app_password.get_secret_value() if settings.microsoft_app_password else ""
        if not (settings.microsoft_app_id and secret and settings.microsoft_app_tenant_id):
            return None
        return cls(settings.microsoft_app_id, secret, settings.microsoft_app_tenant_id)


class Graph:
    def __init__(self, credentials: AppCredentials, *, graph_url: str, token_url: str, timeout: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.credentials = credentials
        self.graph_url = graph_url.rstrip("/")
        self.token_url = token_url.format(tenant=credentials.tenant)
        self.timeout = timeout
        self.clock = clock
        self._token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, credentials: AppCredentials) -> Graph:
        return cls(credentials, graph_url=settings.graph_url, token_url=settings.graph_token_url)

    async def get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        """One answer (the first page of a collection)."""
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            return await self._get(http, self.graph_url + path, params)

    async def get_all(self, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every item of a collection (`value` of each page), following `@odata.nextLink`."""
        items: list[dict[str, Any]] = []
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            url: str | None = self.graph_url + path
            query: Mapping[str, str] | None = params
            for _ in range(MAX_PAGES):
                if url is None:
                    return items
                page = await self._get(http, url, query)
                value = page.get("value")
                if not isinstance(value, list):
                    raise GraphError(200, "unexpected_answer", "a collection page without a value list")
                items.extend(item for item in value if isinstance(item, dict))
                url, query = page.get("@odata.nextLink"), None  # the link carries the query (and a skip token)
                if url is not None and not (isinstance(url, str) and url.startswith(self.graph_url + "/")):
                    raise GraphError(200, "foreign_next_link", "a next link outside KB_GRAPH_URL")
            raise GraphError(200, "too_many_pages", f"more than {MAX_PAGES} pages")

    async def _get(self, http: httpx.AsyncClient, url: str, params: Mapping[str, str] | None) -> dict[str, Any]:
        response = await http.get(url, params=params, headers={"Authorization": f"Bearer {await self._access_token(http)}"})
        if response.status_code == 401:
            self._token = None  # expired early or revoked: the next try signs in again
        if response.status_code != 200:
            raise _error(response, _graph_code(response))
        try:
            page = response.json()
        except ValueError as error:
            raise GraphError(response.status_code, "unexpected_answer", "not JSON") from error
        if not isinstance(page, dict):
            raise GraphError(response.status_code, "unexpected_answer", "not a JSON object")
        return page

    async def _access_token(self, http: httpx.AsyncClient) -> str:
        async with self._token_lock:  # concurrent reads share one token request
            if self._token is not None and self.clock() < self._token[1]:
                return self._token[0]
            started = self.clock()
            response = await http.post(self.token_url, data={
                "grant_type": "client_credentials", "client_id": self.credentials.client_id,
                "client_secret": self.credentials.secret, "scope": SCOPE})
            if response.status_code != 200:
                raise _error(response, _token_code(response))
            try:
                body = response.json()
                token, lifetime = str(body["access_token"]), float(body.get("expires_in") or 0)
            except (ValueError, KeyError, TypeError) as error:
                raise GraphError(response.status_code, "unexpected_answer", "a token answer without access_token") from error
            self._token = (token, started + lifetime - TOKEN_MARGIN)
            return token


def _error(response: httpx.Response, code_and_message: tuple[str, str]) -> GraphError:
    code, message = code_and_message
    return GraphError(response.status_code, code, message, parse_retry_after(response.headers.get("Retry-After")) or 0.0)


def _graph_code(response: httpx.Response) -> tuple[str, str]:
    """Graph's `{"error": {"code": ..., "message": ...}}`; the HTTP reason when the body is not that."""
    try:
        error = response.json().get("error")
        return str(error["code"]), str(error.get("message") or "")
    except (ValueError, AttributeError, KeyError, TypeError):
        return response.reason_phrase or f"http_{response.status_code}", ""


def _token_code(response: httpx.Response) -> tuple[str, str]:
    """The token endpoint's `{"error": "invalid_client", "error_description": ...}`."""
    try:
        body = response.json()
        return str(body["error"]), str(body.get("error_description") or "")[:200]
    except (ValueError, AttributeError, KeyError, TypeError):
        return response.reason_phrase or f"http_{response.status_code}", ""


