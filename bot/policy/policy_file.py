"""The policy file (bot/policy/policy.yaml, or KB_POLICY_FILE): categories, examples, queues.

Kept as data so the people who own the policy (HR, Legal) can change patterns, examples, queue
channels and replies without a release, and so a typo fails loudly at startup instead of
silently answering a regulated question: every pattern is compiled and every queue a category
names must exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

BUNDLED = Path(__file__).with_name("policy.yaml")
SIGNAL_KINDS = ("judgement", "situation", "process", "personal", "own_case")
CATEGORIES = ("medical", "legal", "financial", "harassment", "immigration", "termination", "mental_health")


class PolicyFileError(ValueError):
    """The policy file is missing something or holds an invalid pattern."""


@dataclass(frozen=True)
class Queue:
    """A human queue: its channels come from this file, overridden per deployment by settings
    (bot.policy.queues.configured_queues)."""

    key: str
    name: str
    slack_channel: str = ""
    teams_channel: str = ""

    def channel(self, surface: str) -> str:
        return {"slack": self.slack_channel, "teams": self.teams_channel}.get(surface, "")


@dataclass(frozen=True)
class CategoryConfig:
    name: str
    queue: str
    reply: str
    patterns: tuple[re.Pattern[str], ...] = ()
    grave: tuple[re.Pattern[str], ...] = ()
    """Patterns that escalate however the question is put: an assault asked as "who do I report it to?"
    reads as process, which it is for a rude message but not for violence (`patterns` leave process alone)."""
    advice: tuple[str, ...] = ()
    logistics: tuple[str, ...] = ()
    crisis: bool = False


@dataclass(frozen=True)
class Thresholds:
    neighbours: int = 3
    margin: float = 0.0
    escalate_at: float = 0.05
    min_similarity: float = 0.30
    min_margin: float = float("-inf")
    """Advice-minus-logistics similarity below which no signal can escalate, but `own_case`: the stance
    signals tip a near tie, they do not overturn a question that reads plainly as process (a policy
    file without it keeps the older behaviour)."""
    weights: dict[str, float] = field(default_factory=lambda: {"judgement": 0.08, "situation": 0.05, "process": 0.09,
                                                                              "impersonal": 0.0})
    linear: float = 0.0
    """Weight of the classifier's global view (its advice probability minus 0.5) in the score; 0 leaves
    the nearest examples and the signals to decide, as policy files written before it did."""


@dataclass(frozen=True)
class Crisis:
    emergency: str
    eap: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class PolicyFile:
    queues: dict[str, Queue]
    default_queue: str
    categories: dict[str, CategoryConfig]
    none: tuple[str, ...]
    crisis: Crisis
    thresholds: Thresholds
    signals: dict[str, tuple[re.Pattern[str], ...]]
    path: str = ""


def compile_patterns(patterns: Any, where: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns or []:
        try:
            compiled.append(re.compile(str(pattern), re.IGNORECASE))
        except re.error as error:
            raise PolicyFileError(f"{where}: invalid pattern {pattern!r}: {error}") from None
    return tuple(compiled)


def load_policy_file(path: str | Path | None = None) -> PolicyFile:
    """Read and validate a policy file; None or "" reads the bundled one."""
    source = Path(path) if path else BUNDLED
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise PolicyFileError(f"cannot read policy file {source}: {error}") from None
    queues = {key: Queue(key=key, name=str(value.get("name") or key), slack_channel=str(value.get("slack_channel") or ""),
                               teams_channel=str(value.get("teams_channel") or ""))
              for key, value in (data.get("queues") or {}).items()}
    if not queues:
        raise PolicyFileError(f"{source}: no queues defined")
    default_queue = str(data.get("default_queue") or next(iter(queues)))
    if default_queue not in queues:
        raise PolicyFileError(f"{source}: default_queue {default_queue!r} is not a queue")
    categories: dict[str, CategoryConfig] = {}
    for name, value in (data.get("categories") or {}).items():
        queue = str(value.get("queue") or "")
        if queue not in queues:
            raise PolicyFileError(f"{source}: category {name!r} names unknown queue {queue!r}")
        categories[name] = CategoryConfig(
            name=name, queue=queue, reply=str(value.get("reply") or "I've passed your question to a person."),
            patterns=compile_patterns(value.get("patterns"), f"{source}: {name}"),
            grave=compile_patterns(value.get("grave"), f"{source}: {name}.grave"),
            advice=tuple(str(text) for text in value.get("advice") or []),
            logistics=tuple(str(text) for text in value.get("logistics") or []),
            crisis=bool(value.get("crisis", False)))
    if not categories:
        raise PolicyFileError(f"{source}: no categories defined")
    crisis = data.get("crisis") or {}
    raw = data.get("thresholds") or {}
    defaults = Thresholds()
    thresholds = Thresholds(neighbours=int(raw.get("neighbours", defaults.neighbours)),
                            margin=float(raw.get("margin", defaults.margin)),
                            escalate_at=float(raw.get("escalate_at", defaults.escalate_at)),
                            min_similarity=float(raw.get("min_similarity", defaults.min_similarity)),
                            min_margin=float(raw.get("min_margin", defaults.min_margin)),
                            linear=float(raw.get("linear", defaults.linear)),
                            weights={**defaults.weights, **{k: float(v) for k, v in (raw.get("weights") or {}).items()}})
    signals = {kind: compile_patterns((data.get("signals") or {}).get(kind), f"{source}: signals.{kind}")
               for kind in SIGNAL_KINDS}
    return PolicyFile(
        queues=queues, default_queue=default_queue, categories=categories,
        none=tuple(str(text) for text in data.get("none") or []),
        crisis=Crisis(emergency=str(crisis.get("emergency") or ""), eap=str(crisis.get("eap") or ""),
                      patterns=compile_patterns(crisis.get("patterns"), f"{source}: crisis")),
        thresholds=thresholds, signals=signals, path=str(source))
