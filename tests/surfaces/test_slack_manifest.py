"""manifests/slack-app.yml asks for exactly what the bot uses: no missing scope, no spare one."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.surfaces.slack.events import COMMAND

MANIFEST = Path(__file__).resolve().parents[2] / "manifests" / "slack-app.yml"

SCOPES_USED = {
    "app_mentions:read": "app_mention events",
    "im:history": "message.im events, conversations.replies in DMs",
    "channels:history": "conversations.replies in public channels",
    "groups:history": "conversations.replies in private channels",
    "chat:write": "chat.postMessage, chat.update, chat.postEphemeral",
    "reactions:write": "reactions.add, reactions.remove",
    "commands": "/kb",
    "users:read": "users.info: the asker's email, guest and deactivated flags",
    "users:read.email": "the email field of users.info",
    "usergroups:read": "usergroups.list (KB_SLACK_USERGROUPS)",
}


def test_manifest_matches_what_the_bot_uses() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())

    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(SCOPES_USED)
    assert "user" not in manifest["oauth_config"]["scopes"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_mention", "message.im"]
    assert [command["command"] for command in manifest["features"]["slash_commands"]] == [COMMAND]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
