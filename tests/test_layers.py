"""The architecture in README.md stays true: import-linter's contracts (pyproject.toml) hold.

Layers connectors → index → answer / policy → analytics → conversation → surfaces → server / cli, no import
cycles in bot/ or connectors/, Slack and Teams independent of each other, and botbuilder imported
by bot/surfaces/teams/botframework.py only, and no surface importing the question recorder (the flow
records, through ChatServices).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
