"""The policy's labelled questions: real wording that joins the examples as the classifier's neighbours."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result as CliResult
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from bot.index.embedding import Embedder
from bot.policy import classifier as classifier_module
from bot.policy.classifier import ExampleClassifier
from bot.policy.policy_file import Labelled, PolicyFile, PolicyFileError, load_policy_file
from bot.policy.regulated import RegulatedTopicPolicy
from bot.runtime import Runtime
from tests.conftest import REPO

FENCE = "hoa fined me for the fence paint colour, can they make that stick?"
"""Written for this test: legal advice on the asker's own case, about something no example of the bundled file
is near (its advice similarity is under the floor)."""
FENCE_TWINS = ["the hoa fined me 500 for my fence colour, can they actually enforce that against me",
               "hoa says my shed breaks the bylaws and wants it gone, do i have a leg to stand on",
               "got an hoa violation letter over my fence paint, can they really make me repaint"]


class Counting:
    """The real model, counting the texts it is asked to embed (so a test can tell a cache from a miss)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.texts = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed_queries(texts)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed_documents(texts)


def write_policy(tmp_path: Path, rows: list[dict] | str, name: str = "mine.jsonl") -> Path:
    """The bundled policy file naming one labelled file of `rows` (or raw text) beside it."""
    text = Path(load_policy_file().path).read_text(encoding="utf-8").replace("  - labelled.jsonl\n", f"  - {name}\n", 1)
    (tmp_path / "policy.yaml").write_text(text, encoding="utf-8")
    lines = rows if isinstance(rows, str) else "".join(json.dumps(row) + "\n" for row in rows)
    (tmp_path / name).write_text(lines, encoding="utf-8")
    return tmp_path / "policy.yaml"


def test_the_bundled_policy_has_thousands_of_labelled_questions_of_every_category(policy_file: PolicyFile) -> None:
    labels = {item.category for item in policy_file.labelled}

    assert len(policy_file.labelled) > 3000
    assert labels == {"", *policy_file.categories}
    blind = {"sourcegraph_check4", "sourcegraph_check62", "policy_check91_sourcegraph"}
    assert not blind & {item.source for item in policy_file.labelled}, \
        "the blind sets stay out of the pool"  # labelled_pool.py's BLIND (session 49 pooled 60, 61, 89 and 90)


def test_a_copy_of_the_bundled_policy_edited_elsewhere_still_finds_its_labelled_questions(tmp_path: Path) -> None:
    copy = tmp_path / "policy.yaml"
    copy.write_text(Path(load_policy_file().path).read_text(encoding="utf-8"), encoding="utf-8")

    assert len(load_policy_file(copy).labelled) == len(load_policy_file().labelled)


@pytest.mark.parametrize(("rows", "message"), [
    ('{"text": "can i sue my landlord", "label": "legl", "source": "mine"}\n', "label 'legl' is not a category"),
    ('{"text": "can i sue my landlord", "label": "legal"}\nnot json\n', "mine.jsonl:2: not a labelled question"),
    ('{"label": "legal"}\n', "mine.jsonl:1: not a labelled question"),
])
def test_a_broken_labelled_file_fails_loudly(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(PolicyFileError, match=message):
        load_policy_file(write_policy(tmp_path, rows))


def test_a_missing_labelled_file_names_itself(tmp_path: Path) -> None:
    path = write_policy(tmp_path, [])
    (tmp_path / "mine.jsonl").unlink()

    with pytest.raises(PolicyFileError, match="cannot read labelled questions .*mine.jsonl"):
        load_policy_file(path)


def test_labelled_questions_teach_their_twin_and_leaving_their_source_out_forgets_them(
        policy_file: PolicyFile, tmp_path: Path, embedder: Embedder) -> None:
    mine = load_policy_file(write_policy(tmp_path, [{"text": text, "label": "legal", "source": "mine"}
                                                    for text in FENCE_TWINS]))

    alone = RegulatedTopicPolicy(replace(policy_file, labelled=()), embedder).judge(FENCE)
    taught = RegulatedTopicPolicy(mine, embedder).judge(FENCE)
    forgot = RegulatedTopicPolicy(mine.leaving_out("mine"), embedder).judge(FENCE)

    assert [item.source for item in mine.labelled] == ["mine"] * 3 and mine.leaving_out("mine").neighbours == ()
    assert alone.decision is None and alone.verdict is not None
    assert alone.verdict.advice_similarity < policy_file.thresholds.min_similarity
    assert taught.decision is not None and taught.decision.category == "legal"
    assert forgot.decision is None


def a_new_process() -> None:
    """Forget what this process embedded: only the disk remembers."""
    classifier_module._STORED.clear()
    classifier_module._VIEWS.clear()


def test_the_policys_vectors_are_embedded_once_and_read_back_from_disk(policy_file: PolicyFile, embedder: Embedder,
                                                                       tmp_path: Path) -> None:
    few = replace(policy_file, labelled=tuple(Labelled(f"where is the form number {n} for expenses", "", "mine")
                                              for n in range(40)))
    counting = Counting(embedder)
    a_new_process()
    ExampleClassifier(few, counting, tmp_path)
    first = counting.texts

    a_new_process()
    built = ExampleClassifier(few, counting, tmp_path)

    assert first == built.examples + 40 + 2, "the examples, the labelled questions and a probe sentence for each"
    assert counting.texts - first == 2, "the second start embeds the probe sentences alone"
    assert len(list(tmp_path.glob("vectors-*.npy"))) == 2
    assert built.vectors.shape[0] == built.examples + 40


def test_a_torn_cache_file_is_embedded_again_and_replaced(policy_file: PolicyFile, embedder: Embedder,
                                                          tmp_path: Path) -> None:
    few = replace(policy_file, labelled=tuple(Labelled(f"who approves trip number {n}", "", "mine") for n in range(12)))
    a_new_process()
    ExampleClassifier(few, embedder, tmp_path)
    [labelled] = [path for path in tmp_path.glob("vectors-*.npy") if np.load(path).shape[0] == 12]
    labelled.write_bytes(labelled.read_bytes()[:100])
    a_new_process()
    counting = Counting(embedder)

    ExampleClassifier(few, counting, tmp_path)

    assert counting.texts == 2 + 12, "two probes, and the twelve questions whose file was torn"
    assert np.load(labelled).shape == (12, 384)


def test_another_model_never_reads_the_vectors_it_did_not_make(policy_file: PolicyFile, embedder: Embedder,
                                                               tmp_path: Path) -> None:
    few = replace(policy_file, labelled=(Labelled("who signs off on a conference ticket", "", "mine"),))
    a_new_process()
    ExampleClassifier(few, embedder, tmp_path)
    other = Counting(embedder)
    other.model_name = "another-model"

    built = ExampleClassifier(few, other, tmp_path)

    assert other.texts == 2 + built.examples + 1
    assert len(list(tmp_path.glob("vectors-*.npy"))) == 4


def test_kb_eval_measures_a_set_without_its_own_labelled_questions(example_runtime: Runtime, tmp_path: Path,
                                                                   embedder: Embedder) -> None:
    rows = [{"text": text, "label": "legal", "source": "questions"} for text in FENCE_TWINS]
    policy = write_policy(tmp_path, rows)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"id": "t1", "question": FENCE, "gold": [], "expect": "escalate",
                                     "category": "legal"}) + "\n", encoding="utf-8")
    rt = Runtime(Settings(data_dir=example_runtime.settings.data_dir, policy_file=str(policy)))

    assert rt.leave_out("questions") == 3 and rt.policy_file.neighbours == ()
    rt.policy  # noqa: B018 - built now
    with pytest.raises(RuntimeError):
        rt.leave_out("questions")
    other = tmp_path / "other.jsonl"
    other.write_text(questions.read_text(encoding="utf-8"), encoding="utf-8")

    def evaluate(path: Path, *flags: str) -> CliResult:
        return CliRunner().invoke(app, ["eval", str(path), *flags, "--data-dir", example_runtime.settings.data_dir],
                                  env={"KB_POLICY_FILE": str(policy)}, catch_exceptions=False)

    shown, measured, taught = evaluate(questions), evaluate(questions, "--json"), evaluate(other, "--json")
    assert shown.exit_code == 0, shown.output
    assert "3 labelled questions of questions left out" in shown.output
    assert json.loads(measured.stdout)["questions"][0]["escalated"] is False, "judged as if the twins were never written"
    assert json.loads(taught.stdout)["questions"][0]["escalated"] is True, "another set's questions still teach"


def test_the_wheel_ships_every_file_the_package_reads() -> None:
    """`pip install .` (the Docker image) copies only Python files unless package-data names the rest."""
    shipped = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    data = [path for folder in ("bot", "connectors") for path in (REPO / folder).rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts]

    assert data, "the policy file at least"
    for path in data:
        package = ".".join(path.parent.relative_to(REPO).parts)
        assert path.name in shipped.get(package, []), f"{path.relative_to(REPO)} is not in package-data"
