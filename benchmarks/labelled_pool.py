"""Write the policy's labelled questions (bot/policy/labelled.jsonl) from the question sets in benchmarks/data.

    .venv/bin/python benchmarks/labelled_pool.py

Every set here was written from a handbook by someone who saw no code and no policy file, in the
words employees use; each item says whether a person must answer it (`expect: escalate`, with its
category) or the runbooks do (answer, no_answer). Those thousands of questions join the policy
file's few hundred examples as the classifier's neighbours (docs/escalation.md). `kb eval` and
`benchmarks/policy_report.py` leave a set's own questions out when they measure that set, so every
figure is still on questions the classifier never saw.

The blind sets are never written into the pool: they measure kb as nobody tuned it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.policy.signals import normalize  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
POOL = Path(__file__).resolve().parent.parent / "bot" / "policy" / "labelled.jsonl"
BLIND = frozenset({"sourcegraph_check4", "sourcegraph_check62", "policy_check91_sourcegraph"})
"""Sets kept out: check set 4 was never read; the others are blind sets, run only at their session's start and
end. Each check set joins the pool once its session has spent it (check set 6 after session 17, check
set 7 at the end of session 18, check set 8 at the end of session 19, check set 9 at the end of session 20,
check set 10 at the end of session 21, check set 11 and policy check 32 at the end of session 22, check set 12 and
policy check 33 at the end of session 23, check set 13 and policy check 37 at the end of session 24, check set
14 and policy check 40 at the end of session 25, check set 15 and policy check 43 at the end of session 26, check
sets 16 and 17 and policy checks 45 and 46 at the end of session 27, check sets 18 and 19 and policy checks 47 and
48 at the end of session 28, check sets 20 and 21 and policy checks 49 and 50 at the end of session 29, check sets
22 and 23 and policy checks 51 and 52 at the end of session 30, check sets 24 and 25, development set 7 and policy
checks 53 and 54 at the end of session 31, check set 26, policy check 55 and development set 8 in session 32 once
read, before its end readings, and check set 27 and policy check 56 after them, check set 28 and policy check 57 in
session 33 once read, before its end readings, and check set 29 and policy check 58 after them, check set 30, policy
check 59 and development set 9 in session 34 once read, before its end readings, and check set 31 and policy check 60
after them, and check set 32 and policy check 61 in session 35 once read, before any change, and check set 33 and
policy check 62 after its end readings, and check set 34 and policy check 63 in session 36 once read, before any
change, and check set 35 and policy check 64 after its end readings, and check set 36 and policy check 65 in session 37
once read, before any change, and check set 37 after its end readings; policy check 66, read then too, is
`LEFT_OUT`; and check set 38 and policy check 67 in session 38 once read, before any change, and check set 39 after
its end readings; policy check 68, read then too, is `LEFT_OUT`; and check set 40 and policy check 69 in session 39
once read, before any change, and check set 41 and policy check 70 after its end readings; and check set 42 and
policy check 71 in session 40 once read, before any change, and check set 43 and policy check 72 after its end
readings; and check set 44 and policy check 73 in session 41 once read, before any change, and check set 45 and
policy check 74 after its end readings; and check set 46 and policy check 75 in session 42 once read, before any
change, and check set 47 and policy check 76 after its end readings; and check set 48 and policy check 77 in session
43 once read, before any change, and check set 49 and policy check 78 after its end readings; and check set 50 and
policy check 79 in session 44 once read, before any change, and check set 51 and policy check 80 after its end
readings; and check set 52 and policy check 81 in session 45 once read, before any change, and check set 53 and
policy check 82 after its end readings; and check set 54 and policy check 83 in session 46 once read, before any
change, and check set 55 and policy check 84 after its end readings; and check set 56 and policy check 85 in session
47 once read, before any change, and check set 57 and policy check 86 after its end readings; and check set 58 and
policy check 87 in session 48 once read, before any change, and check set 59 and policy check 88 after its end
readings; and check set 60 and policy check 89 in session 49 once read, before any change, and check set 61 and
policy check 90 after its end readings). Check set 62 and policy check 91 are for the next session's start."""

LEFT_OUT = frozenset({"policy_check38_sourcegraph", "policy_check39_sourcegraph", "policy_check66_sourcegraph",
                      "policy_check68_sourcegraph"})
"""Sets measured in the pool and left out by the figures (session 23): with policy checks 38 (IT, security and
money) and 39 (life events) the 20 `kb eval` sets lost 3 answers to new false alarms (18 -> 20) and one real
escalation, and the policy sets moved +2 escalations for +3 false alarms. They stay as reading sets
(`benchmarks/policy_report.py`); a later, larger pool may take them. Policy check 66 (what happens next: a process
asked generally and of one's own live case, session 37) likewise: in the pool, 115 sets each untaught lost 4
escalations for no false alarm fewer (5,335 -> 5,331 of 5,546; 190 = 190), and the Sourcegraph check sets gained 3
false alarms. Policy check 68 (who can see it: privacy asked generally and of one's own exposure, session 38) too: in
the pool, 119 sets each untaught gained 4 escalations for 12 false alarms (5,485 -> 5,489 of 5,726; 188 -> 200)."""


def labelled(path: Path) -> list[dict[str, str]]:
    """A set's questions with the label the classifier learns: the category, or "" for the runbooks."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        escalate = item.get("expect") == "escalate"
        if escalate and not item.get("category"):
            continue  # no category to learn
        rows.append({"text": item["question"], "label": item["category"] if escalate else "", "source": path.stem})
    return rows


def main() -> None:
    seen: set[str] = set()
    written = 0
    with POOL.open("w", encoding="utf-8") as out:
        for path in sorted(DATA.glob("*.jsonl")):
            if path.stem in BLIND or path.stem in LEFT_OUT:
                continue
            for row in labelled(path):
                key = normalize(row["text"])
                if key in seen:
                    continue  # the same question in two sets: once is enough, under the first set's name
                seen.add(key)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
    print(f"{written} labelled questions -> {POOL}")


if __name__ == "__main__":
    main()
