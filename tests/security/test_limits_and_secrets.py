"""Limits on what is indexed, where secrets may come from, and what the logs may say."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
import structlog
from pypdf import PdfWriter

from bot import logs
from bot.config import Settings
from bot.index.sources import local_folder
from connectors.base import Document, Skipped
from tests.fakes.files import make_pdf
from tests.fakes.slack_api import BOT_USER_ID
from tests.fakes.slack_events import app_mention
from tests.surfaces.conftest import SlackBotFactory
from tests.surfaces.test_slack_answers import in_thread


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_documents_over_the_size_or_page_limit_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "long.pdf").write_bytes(blank_pdf(3))
    (tmp_path / "short.pdf").write_bytes(make_pdf("Badge readers are on every floor"))
    (tmp_path / "big.md").write_text("# Big\n\n" + "word " * 400)
    settings = Settings(max_document_pages=2, max_document_bytes=1_000)

    items = {item.path: item for item in local_folder(str(tmp_path), settings).documents()}

    assert isinstance(items["long.pdf"], Skipped) and "page limit" in items["long.pdf"].reason
    assert isinstance(items["big.md"], Skipped) and "byte limit" in items["big.md"].reason
    assert isinstance(items["short.pdf"], Document)


# -- secrets -------------------------------------------------------------------------------------------
def test_secrets_come_from_a_file_variable_or_a_secrets_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "token").write_text("xoxb-from-file\n")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "SLACK_SIGNING_SECRET").write_text("signing-from-dir")
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("KB_SECRETS_DIR", str(secrets))

    settings = Settings()

    assert settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value() == "xoxb-from-file"
    assert settings.slack_signing_secret is not None
    assert settings.slack_signing_secret.get_secret_value() == "signing-from-dir"
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    assert Settings().slack_bot_token.get_secret_value() == "xoxb-from-env", "the environment wins"  # type: ignore[union-attr]


def test_a_secret_in_kb_toml_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kb.toml").write_text('KB_TOP_K = 3\nSLACK_BOT_TOKEN = "xoxb-committed-by-mistake"\n')
    with pytest.raises(ValueError, match="SLACK_BOT_TOKEN"):
        Settings()
    (tmp_path / "kb.toml").write_text("KB_TOP_K = 3\n")
    assert Settings().top_k == 3


@pytest.fixture()
def json_logs(capsys: pytest.CaptureFixture[str]):  # noqa: ANN201 - yields a reader of the captured lines
    """Logs configured as `kb serve` does in production (JSON, INFO), captured; the old setup restored."""
    saved = structlog.get_config()
    logs.configure("INFO", "json", secrets=["xoxb-test-token", "8f742231b10e8888abcd99yyyzzz85a5"])

    def lines() -> list[dict]:
        captured = capsys.readouterr()
        return [json.loads(line) for line in (captured.err + captured.out).splitlines() if line.startswith("{")]

    yield lines
    structlog.configure(**saved)


def test_secret_values_never_reach_a_log_line(json_logs) -> None:  # noqa: ANN001
    structlog.get_logger("test").warning("client.failed", error="401 for token xoxb-test-token",
                                         headers={"Authorization": "Bearer xoxb-test-token"})
    [line] = json_logs()
    assert "xoxb-test-token" not in json.dumps(line)
    assert line["error"] == "401 for token [secret]"


def test_answer_logs_are_json_with_a_request_id_and_no_message_text(slack_bot: SlackBotFactory, json_logs) -> None:  # noqa: ANN001
    bot = slack_bot()
    question = "how do I reset my password for the zanzibar portal?"
    event = app_mention(f"<@{BOT_USER_ID}> {question}")

    reply = bot.send_event(event)
    bot.fake.wait_for("chat.postMessage", in_thread(event["channel"], event["ts"]))
    bot.drain()

    everything = json_logs()
    lines = [line for line in everything if line.get("event", "").startswith(("slack.", "chat."))]
    assert {"chat.question", "slack.answered"} <= {line["event"] for line in lines}  # the flow's line, Slack's line
    assert {line.get("surface") for line in lines if line["event"].startswith("chat.")} == {"slack"}
    assert {line.get("request_id") for line in lines} == {reply.headers["x-request-id"]}
    assert everything and not any("zanzibar" in json.dumps(line) for line in everything)
