"""Slack's inbound payloads (Events API, slash commands, block actions), signed as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
_ts = itertools.count(1)


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ts):06d}"


def signature(secret: str, timestamp: int | str, body: str) -> str:
    """Slack's v0 request signature: HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": signature(secret, stamp, body)}


def event_callback(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0000TEST",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


def app_mention(text: str, *, user: str = "U0000ASKER", channel: str = "C0000GENRL", ts: str | None = None,
                thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": text, "ts": ts or new_ts(), "channel": channel,
             "event_ts": ts or new_ts(), "team": TEAM_ID}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def direct_message(text: str, *, user: str = "U0000ASKER", channel: str = "D0000ASKER", ts: str | None = None,
                   thread_ts: str | None = None, **extra: Any) -> dict[str, Any]:
    stamp = ts or new_ts()
    event = {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": stamp, "channel": channel,
             "event_ts": stamp, "team": TEAM_ID, **extra}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def slash_command(text: str, *, user: str = "U0000ASKER", channel: str = "C0000GENRL") -> str:
    return urlencode({
        "token": "legacy", "team_id": TEAM_ID, "team_domain": "acme", "channel_id": channel, "channel_name": "general",
        "user_id": user, "user_name": "someone", "command": "/kb", "text": text, "api_app_id": "A0000TEST",
        "response_url": "https://hooks.slack.invalid/commands/T0/1/x", "trigger_id": "1.2.3",
    })


def block_action(action_id: str, value: str, *, user: str, channel: str, message: dict[str, Any] | None = None,
                 container: dict[str, Any] | None = None) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "username": "someone", "team_id": TEAM_ID},
        "api_app_id": "A0000TEST",
        "token": "legacy",
        "container": container or {"type": "message", "message_ts": (message or {}).get("ts"), "channel_id": channel,
                                   "is_ephemeral": False},
        "trigger_id": "1.2.3",
        "channel": {"id": channel, "name": "general"},
        "response_url": "https://hooks.slack.invalid/actions/T0/1/x",
        "actions": [{"action_id": action_id, "block_id": "kb_feedback", "type": "button", "value": value,
                     "action_ts": str(time.time())}],
    }
    if message is not None:
        payload["message"] = message
    return urlencode({"payload": json.dumps(payload)})
