"""Slack message text → the plain question the answer core reads.

Slack sends mrkdwn with its own escapes: `<@U123>` mentions, `<#C1|general>` channels,
`<https://x|label>` links, `&amp;`/`&lt;`/`&gt;` entities, `:emoji:` codes, code fences and list
bullets. Retrieval wants words, so the bot's own mention is dropped, links become their label,
markup is unwrapped and entities decoded, last (decoding earlier would let a literal "<" in the
user's text pose as markup). Every pattern is linear so a 50,000-character message costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_ANGLE = re.compile(r"<([^<>\n]{1,2000})>")
_EMOJI = re.compile(r"(?<![\w:]):[a-z0-9_+'-]{1,100}:(?::skin-tone-\d:)?(?![\w:])")
_FENCE = re.compile(r"```")
_INLINE_CODE = re.compile(r"`([^`\n]{1,2000})`")
_BULLET = re.compile(r"^[ \t]*(?:[•◦▪\-*]|\d{1,3}[.)])[ \t]+", re.MULTILINE)
_QUOTE = re.compile(r"^&gt;[ \t]?", re.MULTILINE)
_EMPHASIS = re.compile(r"(?<![\w*_~])([*_~])(\S(?:[^\n]{0,98}?\S)?)\1(?![\w*_~])")
_SPACE = re.compile(r"[ \t]+")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def _angle(match: re.Match[str], bot_user_id: str | None) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        if bot_user_id and target[1:] == bot_user_id:
            return ""
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        if target.startswith("!subteam^") and label:
            return label
        if target.startswith("!date^") and label:
            return label
        return ""  # <!here>, <!channel>, <!everyone>: no meaning for the question
    if target.startswith("mailto:"):
        return label or target[len("mailto:") :]
    return label or target


def question_from_slack(text: str, bot_user_id: str | None = None) -> str:
    """The user's words, without Slack's markup; the answer core normalises whitespace further."""
    text = _ANGLE.sub(lambda match: _angle(match, bot_user_id), text or "")
    text = _FENCE.sub("\n", text)
    text = _INLINE_CODE.sub(r"\1", text)
    text = _EMOJI.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub("", text)
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return "\n".join(_SPACE.sub(" ", line).strip() for line in text.splitlines()).strip()


def thread_history(messages: Iterable[Mapping[str, Any]], current_ts: str, bot_user_id: str | None) -> list[str]:
    """The people's earlier messages in a thread, oldest first, as questions.

    The bot's own answers are left out: they are long quotes of runbooks and would drown the
    follow-up's few words in the retrieval query; what the user asked before is the context.
    """
    earlier = []
    for message in messages:
        ts = str(message.get("ts") or "")
        if not ts or _ts(ts) >= _ts(current_ts):
            continue
        if message.get("bot_id") or message.get("subtype") or (bot_user_id and message.get("user") == bot_user_id):
            continue
        words = question_from_slack(str(message.get("text") or ""), bot_user_id)
        if words:
            earlier.append((_ts(ts), words))
    return [words for _, words in sorted(earlier)]


def _ts(value: str) -> tuple[int, int]:
    """Slack timestamps ("1700000000.000100") in order; floats would blur the microseconds."""
    seconds, _, micros = value.partition(".")
    try:
        return int(seconds), int(micros.ljust(6, "0")[:6] or 0)
    except ValueError:
        return 0, 0
