"""The Zalo channel stands below the handlers: it imports none of them, directly or through
another module (the buttons it shows as commands reach it from the composition root)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys, bot.channels.zalo, bot.channels.zalo_events; "
    "print(sorted(m for m in sys.modules if m.split('.')[0] == 'handlers'))"
)


def test_the_zalo_channel_imports_no_handler() -> None:
    # A fresh interpreter: in the test process the handlers are imported already.
    found = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
