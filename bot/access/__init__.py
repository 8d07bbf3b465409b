"""Who may read what: the asker's principals, and the LanceDB filter that enforces them.

Documents carry the principals their source allows (`Document.acl`); an asker holds principals too
(everyone `*`, `user:EMAIL`, `domain:DOMAIN`, groups and spaces granted to them). Retrieval keeps a
chunk only when the two share one, inside the LanceDB query, so a restricted chunk is never read
into memory for someone who may not see it. Surfaces build an `Asker` from their event and nothing
more; every decision is made here, once, for Slack and Teams alike.
"""

from bot.access.control import AccessControl
from bot.access.model import EVERYONE, Access, Asker, normalise

__all__ = ["EVERYONE", "Access", "AccessControl", "Asker", "normalise"]
