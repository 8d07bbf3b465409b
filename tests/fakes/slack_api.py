"""A fake Slack Web API on a real local aiohttp server, for slack_sdk's real AsyncWebClient.

It answers what the bot calls with Slack's response shapes, records every call for tests to wait
on, and can answer 429 with Retry-After on demand (to prove the client waits and retries).
Requests must carry the bot token, as Slack checks it, so a misconfigured client fails here too.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0000TEST-test"
BOT_USER_ID = "UKBBOT0001"
BOT_ID = "BKBBOT0001"
TEAM_ID = "T0000TEST"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int
    ok: bool = True
    """Slack's own "ok" in the response (false for errors, 429s and bad tokens)."""
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.perf_counter)

    def blocks(self) -> list[dict]:
        value = self.args.get("blocks") or []
        return json.loads(value) if isinstance(value, str) else value


class FakeSlackAPI:
    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.threads: dict[tuple[str, str], list[dict]] = {}
        """conversations.replies answers, by (channel, thread ts)."""
        self.emails: dict[str, str] = {}
        """users.info emails by user id; a user not listed has none (no users:read.email scope, or none set)."""
        self.guests: set[str] = set()
        """User ids that users.info reports as guests (is_restricted)."""
        self.deactivated: set[str] = set()
        """User ids that users.info reports as deactivated (`deleted: true`)."""
        self.usergroups: list[dict[str, Any]] = []
        """The workspace's user groups as usergroups.list returns them (see `add_usergroup`)."""
        self.usergroups_error: str | None = None
        """An error code usergroups.list answers with instead (e.g. missing_scope, plan_upgrade_required)."""
        self._faults: dict[str, list[tuple[int, int]]] = {}
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        self.socket_acks: list[dict] = []
        self._socket: web.WebSocketResponse | None = None
        self._socket_loop: asyncio.AbstractEventLoop | None = None
        self.socket_connected = threading.Event()
        self._host = "127.0.0.1"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)  # slack_sdk GETs some read methods
        app.router.add_get("/link", self._socket_mode)
        return app

    # -- test controls ---------------------------------------------------------------------------
    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 0) -> None:
        """Answer the next `times` calls of `method` with 429 and Retry-After."""
        self._faults.setdefault(method, []).extend([(429, retry_after)] * times)

    def add_usergroup(self, handle: str, users: list[str], *, disabled: bool = False) -> dict[str, Any]:
        """A user group with Slack's fields (as in the usergroups.list reference); `disabled` sets date_delete."""
        group_id = f"S{len(self.usergroups) + 1:08d}"
        group = {
            "id": group_id, "team_id": TEAM_ID, "is_usergroup": True, "is_subteam": True,
            "name": handle.replace("-", " ").title(), "description": "", "handle": handle, "is_external": False,
            "date_create": 1446598059, "date_update": 1446670362, "date_delete": 1446748865 if disabled else 0,
            "auto_type": None, "auto_provision": False, "enterprise_subteam_id": "", "created_by": "U060RNRCZ",
            "updated_by": "U060RNRCZ", "deleted_by": "U060RNRCZ" if disabled else None,
            "prefs": {"channels": [], "groups": []}, "users": list(users), "user_count": len(users),
            "channel_count": 0,
        }
        self.usergroups.append(group)
        return group

    def recorded(self, method: str, where: Callable[[Call], bool] = lambda call: True, *, ok_only: bool = True) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.method == method and (not ok_only or call.ok) and where(call)]

    def wait_for(self, method: str, where: Callable[[Call], bool] = lambda call: True, *, count: int = 1,
                 timeout: float = 30, ok_only: bool = True) -> list[Call]:
        """Block until `count` calls of `method` matching `where` were recorded (successful ones unless
        `ok_only` is false); returns them all."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method and (c.ok or not ok_only) and where(c)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [f"{c.method}:{'ok' if c.ok else c.status}" for c in self.calls]
                    raise AssertionError(f"waited {timeout}s for {count} x {method}; calls so far: {seen}")
                self._changed.wait(left)

    # -- the API ---------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.method == "GET":
            pass
        elif request.content_type == "application/json":
            raw = await request.text()
            args.update(json.loads(raw) if raw.strip() else {})
        else:
            args.update(dict(await request.post()))
        faults = self._faults.get(method)
        if faults:
            status, retry_after = faults.pop(0)
            self._record(Call(method, args, status, ok=False))
            return web.json_response({"ok": False, "error": "ratelimited"}, status=status,
                                     headers={"Retry-After": str(retry_after)})
        expected = APP_TOKEN if method == "apps.connections.open" else self.token
        if request.headers.get("Authorization") != f"Bearer {expected}":
            self._record(Call(method, args, 200, ok=False))
            return web.json_response({"ok": False, "error": "invalid_auth"})
        self._host = request.host
        body = self._answer(method, args)
        self._record(Call(method, args, 200, ok=bool(body.get("ok")), response=body))
        return web.json_response(body)

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://{self._host}/link"}
        if method == "auth.test":
            return {"ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "kb", "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            channel = str(args.get("channel", ""))
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if channel.startswith("U"):  # posting to a user id lands in the app's DM with them
                channel = "D" + channel[1:]
            ts = self._next_ts()
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": args.get("text", ""), "ts": ts}
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
                self.threads.setdefault((channel, str(args["thread_ts"])), []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text", "")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method in ("reactions.add", "reactions.remove"):
            return {"ok": True}
        if method == "conversations.replies":
            messages = self.threads.get((str(args.get("channel")), str(args.get("ts"))))
            if messages is None:
                return {"ok": False, "error": "thread_not_found"}
            return {"ok": True, "messages": messages, "has_more": False}
        if method == "users.info":
            return self._user(str(args.get("user") or ""))
        if method == "usergroups.list":
            return self._usergroups(args)
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            return {"ok": True, "view": {"id": "V0001", **json.loads(args.get("view", "{}") or "{}")}}
        return {"ok": False, "error": "unknown_method"}

    def _usergroups(self, args: dict[str, Any]) -> dict[str, Any]:
        """usergroups.list as Slack answers it: no cursor (it does not paginate), disabled groups only on
        request, members only with include_users, and a missing scope named as Slack names it."""
        if self.usergroups_error == "missing_scope":
            return {"ok": False, "error": "missing_scope", "needed": "usergroups:read",
                    "provided": "app_mentions:read,im:history,channels:history,groups:history,chat:write,"
                                "reactions:write,commands,users:read,users:read.email"}
        if self.usergroups_error:
            return {"ok": False, "error": self.usergroups_error}

        def flag(name: str) -> bool:
            return str(args.get(name, "")).lower() in ("1", "true")

        groups = []
        for group in self.usergroups:
            if group["date_delete"] and not flag("include_disabled"):
                continue
            shown = {key: value for key, value in group.items() if key != "users" or flag("include_users")}
            if not flag("include_count"):
                shown.pop("user_count", None)
            groups.append(shown)
        return {"ok": True, "usergroups": groups}

    def _user(self, user: str) -> dict[str, Any]:
        """users.info as Slack answers it (trimmed to the fields of a real response, none invented)."""
        if not user.startswith(("U", "W")):
            return {"ok": False, "error": "user_not_found"}
        email = self.emails.get(user, "")
        name = email.split("@")[0] if email else user.lower()
        guest = user in self.guests
        profile = {"title": "", "phone": "", "skype": "", "real_name": name.title(), "display_name": name,
                   "status_text": "", "status_emoji": "", "avatar_hash": "ge3b51ca72de", "team": TEAM_ID,
                   "real_name_normalized": name.title(), "display_name_normalized": name,
                   "image_72": "https://a.slack-edge.com/df10d/img/avatars/ava_0024-72.png"}
        if email:
            profile["email"] = email
        return {"ok": True, "user": {
            "id": user, "team_id": TEAM_ID, "name": name, "deleted": user in self.deactivated, "color": "9f69e7", "real_name": name.title(),
            "tz": "Europe/Amsterdam", "tz_label": "Central European Time", "tz_offset": 3600, "profile": profile,
            "is_admin": False, "is_owner": False, "is_primary_owner": False, "is_restricted": guest,
            "is_ultra_restricted": False, "is_bot": False, "is_app_user": False, "updated": 1700000000,
            "is_email_confirmed": bool(email), "has_2fa": False, "who_can_share_contact_card": "EVERYONE"}}

    # -- Socket Mode -----------------------------------------------------------------------------
    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        """Slack's Socket Mode link: hello, then envelopes pushed by the test; acks are recorded."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket, self._socket_loop = socket, asyncio.get_running_loop()
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"},
                                "connection_info": {"app_id": "A0000TEST"}})
        self.socket_connected.set()
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                with self._changed:
                    self.socket_acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return socket

    def push(self, payload: dict[str, Any], kind: str = "events_api") -> str:
        """Deliver `payload` over the Socket Mode link; its envelope id."""
        assert self._socket is not None and self._socket_loop is not None, "no Socket Mode connection"
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "payload": payload, "type": kind, "accepts_response_payload": False,
                    "retry_attempt": 0, "retry_reason": ""}
        asyncio.run_coroutine_threadsafe(self._socket.send_json(envelope), self._socket_loop).result(10)
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (found := [a for a in self.socket_acks if a.get("envelope_id") == envelope_id]):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for envelope {envelope_id}: {self.socket_acks}")
                self._changed.wait(left)
            return found[0]
