"""The store's full-text lookups leave nothing on stderr: every `kb` command and bot log reads it."""

from __future__ import annotations

import pytest

from bot.runtime import Runtime


def test_word_lookups_do_not_make_lancedb_warn(example_runtime: Runtime, capfd: pytest.CaptureFixture[str]) -> None:
    store = example_runtime.store
    capfd.readouterr()

    assert store.mentions("keystone") and not store.mentions("zzyzxunknownword")
    assert store.word_counts(["keystone", "vpn"])["keystone"] > 0

    assert "_score" not in capfd.readouterr().err
