"""The Teams app package: manifest fields Teams rejects a package for, and the two icons' sizes."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from bot.conversation.wording import COMMANDS

TEAMS = Path(__file__).resolve().parents[2] / "manifests" / "teams"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_manifest_declares_the_bot_in_personal_and_team_scopes_with_its_commands() -> None:
    manifest = json.loads((TEAMS / "manifest.json").read_text())
    assert manifest["manifestVersion"] == "1.17"
    bot = manifest["bots"][0]
    assert bot["botId"] == manifest["id"] == "{{MICROSOFT_APP_ID}}"
    assert set(bot["scopes"]) == {"personal", "team"}
    lists = {tuple(command_list["scopes"]): command_list["commands"] for command_list in bot["commandLists"]}
    assert set(lists) == {(scope,) for scope in bot["scopes"]}  # one list per scope, as Microsoft advises
    for commands in lists.values():
        assert [c["title"] for c in commands] == list(COMMANDS)
        assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    assert "permissions" not in manifest  # identity / messageTeamMembers grant a bot nothing
    assert manifest["validDomains"]
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80


def test_icons_have_the_sizes_teams_requires() -> None:
    assert _png_size(TEAMS / "color.png") == (192, 192)
    assert _png_size(TEAMS / "outline.png") == (32, 32)
