"""`kb report --html` over a seeded history of a few hundred questions: one self-contained page, three charts."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from bot.analytics.recorder import QuestionEvent
from bot.answer.model import Answer
from bot.cli import app
from bot.runtime import Runtime
from tests.fakes.questions import seed_history

SVG = "data:image/svg+xml;base64,"
HOSTILE = "<script>alert('x')</script> how do I adopt a parrot & keep it at my desk?"


class Page(HTMLParser):
    """Every tag with its attributes, and the text, as a browser would parse the file."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_of_a_seeded_history_is_self_contained_with_its_charts(runtime: Runtime, tmp_path: Path) -> None:
    seed_history(runtime.store, runtime.records, runtime.embedder, questions=300, days=28)
    runtime.question_recorder.record(QuestionEvent("slack", "U0000ASKER", direct=True, seconds=0.5, outcome="not_found",
                                                   answer=Answer(question=HOSTILE, text="", no_answer=True)))
    target = tmp_path / "report.html"

    result = CliRunner().invoke(app, ["report", "--since", "30d", "--html", str(target), "--data-dir",
                                      runtime.settings.data_dir], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    page = Page()
    page.feed(target.read_text(encoding="utf-8"))
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags, "nothing runs, nothing is fetched"
    sources = [attrs.get("src") or "" for tag, attrs in page.tags if tag == "img"]
    assert len(sources) == 3 and all(source.startswith(SVG) for source in sources), "three charts, inline"
    charts = [ElementTree.fromstring(base64.b64decode(source[len(SVG):])) for source in sources]
    for chart in charts:
        assert chart.tag.endswith("svg")
        shapes = [element for element in chart.iter() if element.tag.endswith(("path", "rect", "use"))]
        assert len(shapes) > 20, "bars, axes and lettering drawn, not an empty frame"
    alts = [attrs.get("alt") for tag, attrs in page.tags if tag == "img"]
    assert alts == ["Questions per day by outcome", "Gap topics by number of questions",
                    "Tickets per queue and median minutes to claim"]
    text = " ".join(page.text)
    assert "301 questions" in text and "is there a pet insurance benefit?" in text
    assert HOSTILE in text, "a question with markup is shown as the text it is, not run"
    assert "Printers" in text and "1000" in text, "the stale runbook is listed with its age"
