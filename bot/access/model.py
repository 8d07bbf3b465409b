"""The values access control works with: principals, the asker, and the filter it yields."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.index.store import quote
from connectors.base import EVERYONE, normalise_principal

NOTHING = "FALSE"
"""A filter no chunk passes: what an asker holding no principal gets."""


normalise = normalise_principal


def normalise_all(principals: Iterable[str]) -> frozenset[str]:
    return frozenset(p for p in (normalise(principal) for principal in principals) if p)


@dataclass(frozen=True)
class Asker:
    """Who asks, and where the answer will be seen; built by a surface from its platform event."""

    surface: str = ""
    user_id: str | None = None
    email: str | None = None
    groups: tuple[str, ...] = ()
    """Groups the platform itself reports (e.g. from a directory); more come from KB_ACCESS_FILE."""
    channel: str | None = None
    """Where the answer is posted: a Slack channel id, a Teams channel id; per-channel settings key on it."""
    private: bool = False
    """A one-to-one chat: only the asker sees the answer, so their own restricted documents may be used."""
    guest: bool = False
    """A guest or external account: not an employee, so it does not hold `*` (every employee)."""

    def base_principals(self) -> frozenset[str]:
        """What the asker holds before KB_ACCESS_FILE grants are expanded."""
        held = set() if self.guest else {EVERYONE}
        if self.email and "@" in self.email:
            email = self.email.strip().lower()
            held.add(f"user:{email}")
            if not self.guest:
                held.add(f"domain:{email.rsplit('@', 1)[1]}")
        held.update(normalise(f"group:{group}" if ":" not in group else group) for group in self.groups)
        return frozenset(held)


@dataclass(frozen=True)
class SourceScope:
    """A source a channel may search, optionally only below a path (`confluence/IT Help`, `local/it`)."""

    source: str
    prefix: str = ""

    @classmethod
    def parse(cls, entry: str) -> SourceScope:
        source, _, prefix = entry.strip().partition("/")
        return cls(source.strip().lower(), prefix.strip().strip("/"))

    def where(self) -> str:
        clause = f"source = {quote(self.source)}"
        if self.prefix:
            clause += f" AND (path = {quote(self.prefix)} OR starts_with(path, {quote(self.prefix + '/')}))"
        return f"({clause})"


@dataclass(frozen=True)
class Access:
    """What one answer may draw on: chunks readable by `principals`, from `sources` (empty: any)."""

    principals: frozenset[str] | None
    """None: no restriction (the operator at the command line)."""
    sources: tuple[SourceScope, ...] = field(default=())

    @classmethod
    def everything(cls) -> Access:
        return cls(None)

    def where(self) -> str | None:
        """The LanceDB SQL filter for both search legs; None when nothing is restricted."""
        clauses = []
        if self.principals is not None:
            if not self.principals:
                return NOTHING
            listed = ", ".join(quote(principal) for principal in sorted(self.principals))
            clauses.append(f"array_has_any(acl, make_array({listed}))")
        if self.sources:
            clauses.append("(" + " OR ".join(scope.where() for scope in self.sources) + ")")
        return " AND ".join(clauses) or None
