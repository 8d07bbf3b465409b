"""The policy file (bot/policy/policy.yaml, or KB_POLICY_FILE): categories, examples, queues.

Kept as data so the people who own the policy (HR, Legal) can change patterns, examples, queue
channels and replies without a release, and so a typo fails loudly at startup instead of
silently answering a regulated question: every pattern is compiled and every queue a category
names must exist.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
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
    urgent: tuple[re.Pattern[str], ...] = ()
    """Emergencies happening now (someone collapsed, chest pain with a numb arm): escalated however the question
    is put, like `grave`, and the reply leads with `urgent_contact` (call the emergency number first)."""
    urgent_contact: str = ""


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
    wording: float = 0.0
    """Weight of the wording view (its advice probability minus 0.5: `bot.policy.wording.WordingView`,
    fitted on the examples and labelled questions); 0 does not fit it."""
    wording_floor: float = 2.0
    """A wording-view probability at or above which `min_margin` does not hold, as for `own_case`: the
    view is sure the question asks for advice (the default, above any probability, never lifts it)."""


@dataclass(frozen=True)
class Crisis:
    emergency: str
    eap: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Labelled:
    """A question people asked, labelled: the category a person must answer, or "" when the runbooks do."""

    text: str
    category: str
    source: str
    """The question set it came from (its file's stem), so a measurement of that set can leave it out."""


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
    labelled: tuple[Labelled, ...] = ()
    """Questions of real wording, labelled, that join the examples as the classifier's neighbours."""
    left_out: frozenset[str] = frozenset()
    """Sources of `labelled` the classifier does not use (`leaving_out`)."""

    def leaving_out(self, *sources: str) -> PolicyFile:
        """This policy without the labelled questions of `sources`: a question set is measured by a
        classifier that never saw it (`kb eval` leaves out the set it measures)."""
        return replace(self, left_out=self.left_out | frozenset(sources))

    def uses(self, item: Labelled) -> bool:
        """Whether the classifier uses this labelled question (its source is not left out)."""
        return item.source not in self.left_out

    @property
    def neighbours(self) -> tuple[Labelled, ...]:
        """The labelled questions the classifier uses."""
        return tuple(filter(self.uses, self.labelled))


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
        urgent = value.get("urgent") or {}
        if not isinstance(urgent, dict):
            raise PolicyFileError(f"{source}: {name}.urgent must be a mapping with contact and patterns")
        if urgent.get("patterns") and not str(urgent.get("contact") or "").strip():
            raise PolicyFileError(f"{source}: {name}.urgent has patterns but no contact to lead the reply with")
        categories[name] = CategoryConfig(
            name=name, queue=queue, reply=str(value.get("reply") or "I've passed your question to a person."),
            patterns=compile_patterns(value.get("patterns"), f"{source}: {name}"),
            grave=compile_patterns(value.get("grave"), f"{source}: {name}.grave"),
            advice=tuple(str(text) for text in value.get("advice") or []),
            logistics=tuple(str(text) for text in value.get("logistics") or []),
            crisis=bool(value.get("crisis", False)),
            urgent=compile_patterns(urgent.get("patterns"), f"{source}: {name}.urgent"),
            urgent_contact=str(urgent.get("contact") or ""))
    if not categories:
        raise PolicyFileError(f"{source}: no categories defined")
    crisis = data.get("crisis") or {}
    raw = data.get("thresholds") or {}
    defaults = Thresholds()
    def number(key: str, low: float = float("-inf"), high: float = float("inf")) -> float:
        value = raw.get(key, getattr(defaults, key))
        try:
            parsed = float(value)
        except (TypeError, ValueError):
            raise PolicyFileError(f"{source}: thresholds.{key} must be a number, not {value!r}") from None
        if not low <= parsed <= high:
            raise PolicyFileError(f"{source}: thresholds.{key} must be between {low} and {high}, not {parsed}")
        return parsed

    try:
        weights = {**defaults.weights, **{str(k): float(v) for k, v in (raw.get("weights") or {}).items()}}
    except (TypeError, ValueError, AttributeError):
        raise PolicyFileError(f"{source}: thresholds.weights must map signal names to numbers") from None
    thresholds = Thresholds(neighbours=int(number("neighbours", 1)), margin=number("margin"),
                            escalate_at=number("escalate_at"), min_similarity=number("min_similarity", -1.0, 1.0),
                            min_margin=number("min_margin"), linear=number("linear", 0.0),
                            wording=number("wording", 0.0),
                            # at or under 0.5 the view would lift the floor for questions it reads as process
                            wording_floor=number("wording_floor", 0.5 + 1e-9), weights=weights)
    signals = {kind: compile_patterns((data.get("signals") or {}).get(kind), f"{source}: signals.{kind}")
               for kind in SIGNAL_KINDS}
    named = data.get("labelled") or []
    labelled = tuple(item for name in ([named] if isinstance(named, str) else named)
                     for item in load_labelled(_beside(source, str(name)), categories))
    return PolicyFile(
        queues=queues, default_queue=default_queue, categories=categories,
        none=tuple(str(text) for text in data.get("none") or []),
        crisis=Crisis(emergency=str(crisis.get("emergency") or ""), eap=str(crisis.get("eap") or ""),
                      patterns=compile_patterns(crisis.get("patterns"), f"{source}: crisis")),
        thresholds=thresholds, signals=signals, path=str(source), labelled=labelled)


def _beside(policy: Path, name: str) -> Path:
    """A file the policy file names: relative to the policy file, else among the bundled files, so a copy
    of the bundled policy edited elsewhere still finds the bundled labelled questions."""
    path = policy.parent / name
    return path if path.exists() or Path(name).is_absolute() else BUNDLED.parent / name


def load_labelled(path: Path, categories: dict[str, CategoryConfig]) -> list[Labelled]:
    """A labelled-questions file (JSON lines: text, label, source), each label checked against the
    categories: a misspelt one would silently teach the classifier that advice is process."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise PolicyFileError(f"cannot read labelled questions {path}: {error}") from None
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, label, origin = str(row["text"]), str(row.get("label") or ""), str(row.get("source") or path.stem)
        except (ValueError, KeyError, TypeError) as error:
            raise PolicyFileError(f"{path}:{number}: not a labelled question ({error})") from None
        if label and label not in categories:
            raise PolicyFileError(f"{path}:{number}: label {label!r} is not a category")
        if text.strip():
            items.append(Labelled(text, label, origin))
    return items
