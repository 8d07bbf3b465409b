"""The README stays true: its settings table is the code's, and its two commands are what CI runs."""

from __future__ import annotations

import re

from bot.config import settings_table
from tests.conftest import REPO


def test_readme_settings_table_is_generated_from_the_code() -> None:
    readme = (REPO / "README.md").read_text()
    block = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", readme, re.DOTALL)
    assert block, "README lost its settings markers"
    assert block.group(1) == settings_table(), "run: kb settings, and paste it between the markers"


def test_readme_commands_exist_and_ci_runs_the_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    makefile = (REPO / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.MULTILINE)
    assert "make test" in (REPO / ".ci" / "run").read_text()
