"""Turns settings into decisions: which principals an asker holds, and what an answer may use.

Groups come from KB_ACCESS_FILE rather than straight from each platform's own groups: Slack user
groups and Teams/AAD groups are neither the Confluence groups nor the Google groups a page is
shared with, so the mapping has to be written down once by whoever knows both. The file maps each
principal a document can name to who holds it; Slack user groups and Azure AD groups, when read
(KB_SLACK_USERGROUPS, KB_TEAMS_AAD_GROUPS), are principals of their own (`slack-group:HANDLE`,
`aad-group:OBJECT-ID`) that only the file can grant something:

    space:it: ["*"]                       # the IT space is open to every employee
    space:hr: [group:hr-team]
    group:hr-team: [alice@corp.com, bob@corp.com, slack-group:hr-team]
    group:hr@corp.com: [group:hr-team]    # the Google group of the same people

Grants are transitive, and a file that cannot be read stops the bot at start: guessing would
either leak or hide documents.

Public mode: an answer posted where others read it (a channel, a group chat) uses only what every
member of the workspace may read, whoever asked; a one-to-one chat uses what the asker may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import structlog
import yaml

from bot.access.model import EVERYONE, Access, Asker, SourceScope, normalise, normalise_all
from bot.config import Settings

log = structlog.get_logger(__name__)

ANY_CHANNEL = "*"
"""KB_CHANNEL_SOURCES key for every channel not listed (one-to-one chats are never restricted by it)."""


class AccessFileError(ValueError):
    """KB_ACCESS_FILE is unreadable or not a mapping of principal to members."""


def load_grants(path: str | Path) -> dict[str, frozenset[str]]:
    """The access file as principal -> the principals (or emails) that hold it."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise AccessFileError(f"KB_ACCESS_FILE {path}: {error}") from error
    if not isinstance(data, Mapping):
        raise AccessFileError(f"KB_ACCESS_FILE {path}: expected a mapping of principal to a list of members")
    grants: dict[str, frozenset[str]] = {}
    for principal, members in data.items():
        if isinstance(members, str):
            members = [members]
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise AccessFileError(f"KB_ACCESS_FILE {path}: {principal!r} must list members as strings")
        key = normalise(str(principal))
        grants[key] = grants.get(key, frozenset()) | normalise_all(members)
    return grants


def expand(held: Iterable[str], grants: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """Everything `held` reaches through the grants (groups in groups, spaces granted to groups)."""
    reached = set(held)
    changed = True
    while changed:
        changed = False
        for principal, members in grants.items():
            if principal not in reached and members & reached:
                reached.add(principal)
                changed = True
    return frozenset(reached)


class AccessControl:
    """The one place that decides what an answer may draw on."""

    def __init__(self, settings: Settings) -> None:
        grants = load_grants(settings.access_file) if settings.access_file else {}
        for principal in normalise_all(settings.public_principals):
            grants[principal] = grants.get(principal, frozenset()) | {EVERYONE}
        self.grants = grants
        self.public = expand({EVERYONE}, grants)
        """What every member of the workspace holds: all a channel answer may use."""
        self.channel_sources = {channel: tuple(SourceScope.parse(entry) for entry in entries)
                                for channel, entries in settings.channel_sources.items()}

    def principals(self, asker: Asker) -> frozenset[str]:
        """Everything the asker holds, grants expanded."""
        return expand(asker.base_principals(), self.grants)

    def for_asker(self, asker: Asker | None) -> Access:
        """What an answer to `asker` may use; no asker gets only what everyone may read."""
        if asker is None:
            return Access(self.public)
        held = self.principals(asker)
        principals = held if asker.private else held & self.public
        sources = self.channel_sources.get(asker.channel or "")
        if sources is None and not asker.private:
            sources = self.channel_sources.get(ANY_CHANNEL)
        if sources is not None and not sources:  # listed with no source: the channel may search nothing
            principals = frozenset()
        log.debug("access.scope", surface=asker.surface, private=asker.private, guest=asker.guest,
                  principals=len(principals), sources=[s.source for s in sources or ()])
        return Access(principals, sources or ())
