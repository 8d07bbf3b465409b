"""A local Microsoft Graph and Entra ID token endpoint, answering with the shapes the real ones use.

The token endpoint takes the client-credentials form POST (`/{tenant}/oauth2/v2.0/token`) and answers
`{"token_type": "Bearer", "expires_in": 3599, "access_token": ...}`, or `invalid_client` for a wrong
secret. Graph serves `GET /v1.0/users/{id}/transitiveMemberOf/microsoft.graph.group` (a `value` array
per page, `@odata.nextLink` with a `$skiptoken` while more remain, `$select` honoured) and
`GET /v1.0/groups`; it answers 401 without a token it issued, 403 `Authorization_RequestDenied` when
the app lacks the permission (`denied`), 429 with Retry-After (`rate_limit`), and 404
`Request_ResourceNotFound` for a user it does not know. Every request is recorded.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TENANT = "tenant-0000"
"""The tenant of tests/fakes/teams_activities."""
CLIENT_ID = "00000000-0000-0000-0000-00000000b07a"
CLIENT_SECRET = "graph-test-secret"
MEMBERSHIPS = "/v1.0/users/{user}/transitiveMemberOf/microsoft.graph.group"


@dataclass
class GraphCall:
    method: str
    path: str
    query: dict[str, str]
    status: int
    form: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """Graph's error body: `{"error": {"code", "message", "innerError": {...}}}`."""
    body = {"error": {"code": code, "message": message,
                      "innerError": {"date": "2026-11-21T10:00:00", "request-id": "3f1c0c5e-0000-4000-8000-000000000000",
                                     "client-request-id": "3f1c0c5e-0000-4000-8000-000000000000"}}}
    return web.json_response(body, status=status, headers=headers)


@dataclass
class FakeGraph:
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Group object id -> the group (id, displayName, mailNickname, ...)."""
    members: dict[str, list[str]] = field(default_factory=dict)
    """User object id -> the ids of the groups they are in, transitively (what Graph resolves)."""
    page_size: int = 100
    denied: bool = False
    """The app lacks GroupMember.Read.All: every Graph read answers 403 Authorization_RequestDenied."""
    calls: list[GraphCall] = field(default_factory=list)
    url: str = ""
    """Set by the test once served (nextLinks are absolute URLs)."""
    _throttled: list[float] = field(default_factory=list)
    _tokens: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def add_group(self, name: str, members: list[str], *, nickname: str | None = None) -> str:
        group_id = f"{len(self.groups) + 1:08d}-aaaa-4bbb-8ccc-{name.encode().hex()[:12]:0>12}"
        self.groups[group_id] = {"id": group_id, "displayName": name, "mailNickname": nickname or name.lower().replace(" ", "-"),
                                 "description": None, "securityEnabled": True, "mailEnabled": False}
        for user in members:
            self.members.setdefault(user, []).append(group_id)
        return group_id

    def group_id(self, name: str) -> str:
        return next(group_id for group_id, group in self.groups.items() if group["displayName"] == name)

    def rate_limit(self, *, times: int, retry_after: float) -> None:
        self._throttled.extend([retry_after] * times)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/v1.0/users/{user}/transitiveMemberOf/microsoft.graph.group", self._memberships)
        app.router.add_get("/v1.0/groups", self._groups)
        return app

    def token_url(self) -> str:
        return self.url + "/{tenant}/oauth2/v2.0/token"

    # -- what tests assert on ----------------------------------------------------------------------
    def recorded(self, path_part: str, *, status: int | None = 200) -> list[GraphCall]:
        with self._changed:
            return [c for c in self.calls if path_part in c.path and (status is None or c.status == status)]

    def wait_for(self, path_part: str, *, status: int | None = None, count: int = 1, timeout: float = 30) -> list[GraphCall]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := [c for c in self.calls if path_part in c.path and (status is None or c.status == status)]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"Graph never saw {path_part}; got {[(c.path, c.status) for c in self.calls]}")
                self._changed.wait(left)
            return found

    def _record(self, request: web.Request, response: web.Response, form: dict[str, str] | None = None) -> web.Response:
        with self._changed:
            self.calls.append(GraphCall(request.method, request.path, dict(request.query), response.status, form or {}))
            self._changed.notify_all()
        return response

    # -- endpoints ---------------------------------------------------------------------------------
    async def _token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        if (form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET or request.match_info["tenant"] != TENANT):
            response = web.json_response({
                "error": "invalid_client", "error_codes": [7000215], "timestamp": "2026-11-21 10:00:00Z",
                "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in "
                                     "the request is the client secret value, not the client secret ID."}, status=401)
        elif form.get("scope") != "https://graph.microsoft.com/.default":
            response = web.json_response({"error": "invalid_scope", "error_description": "AADSTS1002012: The provided "
                                          "value for scope is not valid."}, status=400)
        else:
            token = f"graph-token-{next(self._ids)}"
            self._tokens.add(token)
            response = web.json_response({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                          "access_token": token})
        form.pop("client_secret", None)
        return self._record(request, response, form)

    def _refusal(self, request: web.Request) -> web.Response | None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") not in self._tokens:
            return _error(401, "InvalidAuthenticationToken", "Access token is empty.")
        if self._throttled:
            wait = self._throttled.pop(0)
            return _error(429, "TooManyRequests", "Too many requests.", {"Retry-After": str(int(wait))})
        if self.denied:
            return _error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        return None

    def _page(self, request: web.Request, items: list[dict[str, Any]], context: str) -> web.Response:
        select = [name for name in request.query.get("$select", "").split(",") if name]
        top = int(request.query.get("$top") or self.page_size)
        start = int(request.query.get("$skiptoken") or 0)
        page = items[start:start + min(top, self.page_size)]
        body: dict[str, Any] = {"@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#{context}",
                                "value": [{k: v for k, v in item.items() if not select or k in select} for item in page]}
        if start + len(page) < len(items):
            query = "&".join(f"{k}={v}" for k, v in request.query.items() if k != "$skiptoken")
            body["@odata.nextLink"] = f"{self.url}{request.path}?{query}&$skiptoken={start + len(page)}"
        return web.json_response(body)

    async def _memberships(self, request: web.Request) -> web.Response:
        user = request.match_info["user"]
        response = self._refusal(request)
        if response is None and user not in self.members:
            response = _error(404, "Request_ResourceNotFound", f"Resource '{user}' does not exist or one of its "
                                                                "queried reference-property objects are not present.")
        if response is None:
            response = self._page(request, [self.groups[g] for g in self.members[user]], "groups(id,displayName,mailNickname)")
        return self._record(request, response)

    async def _groups(self, request: web.Request) -> web.Response:
        response = self._refusal(request) or self._page(request, list(self.groups.values()), "groups(id)")
        return self._record(request, response)


