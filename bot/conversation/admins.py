"""Who may run admin commands (reindex): the KB_ADMINS list, and nobody when it is empty.

An empty list must never mean "everyone": a fresh install would let any employee trigger a full
re-embed. Entries are platform user ids (Slack U…, Teams AAD object ids) or emails, so each
surface passes every identity it knows for the user.
"""

from __future__ import annotations

from collections.abc import Iterable


def is_admin(admins: Iterable[str], *identities: str | None) -> bool:
    """True when any of the user's identities (id, email) is listed, compared without case."""
    listed = {entry.strip().casefold() for entry in admins if entry and entry.strip()}
    if not listed:
        return False
    return any(identity and identity.strip().casefold() in listed for identity in identities)


def lists_emails(admins: Iterable[str]) -> bool:
    """Whether resolving a user's email is worth an API call at all."""
    return any("@" in entry for entry in admins)
