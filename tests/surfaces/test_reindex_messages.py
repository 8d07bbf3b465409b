"""The reindex outcome reads the same on both surfaces, permission-only updates included."""

from __future__ import annotations

from bot.conversation.wording import reindex_summary
from bot.index.sync import SyncSummary
from bot.surfaces.slack import blocks as slack_blocks
from bot.surfaces.teams import cards as teams_cards


def test_both_surfaces_report_documents_whose_readers_changed() -> None:
    summary = SyncSummary(changed=1, unchanged=40, permissions_updated=3, chunks_embedded=7, seconds=2.0)

    slack_text, _ = reindex_summary(slack_blocks.MARKUP, "confluence", summary, None)
    teams_text, _ = reindex_summary(teams_cards.MARKUP, "confluence", summary, None)

    for text in (slack_text, teams_text):
        assert "Reindex of confluence sources finished" in text
        assert "1 changed" in text and "40 unchanged" in text and "3 with new permissions" in text
        assert "7 chunks embedded" in text
    quiet, _ = reindex_summary(teams_cards.MARKUP, None, SyncSummary(unchanged=5), None)
    assert "permissions" not in quiet  # only said when it happened
