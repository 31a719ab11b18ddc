"""``gopy --help`` stays fast: the CLI's help loads none of the heavy libraries.

Importing aiogram alone takes seconds on a busy machine (its types are pydantic models built at
import), SQLAlchemy, python-docx, openpyxl and Pillow hundreds of milliseconds more; the commands
import them when they run, never ``bot.cli`` at module level nor a help text. The check looks
at which modules a fresh interpreter has loaded after the help is printed, not at a stopwatch,
so it cannot be flaky.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Not pydantic itself: recent typer builds pydantic adapters for a command's parameters, so
# a command's --help loads it whatever gopy does. Gettext with babel is light enough.
HEAVY = (
    "aiogram",
    "aiohttp",
    "alembic",
    "apscheduler",
    "asyncpg",
    "docx",
    "openpyxl",
    "PIL",
    "pydantic_settings",
    "qrcode",
    "redis",
    "sqlalchemy",
    "sqlmodel",
)

PROBE = """
import json, sys
sys.argv = ["gopy", *{args!r}]
from bot.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})), file=sys.stderr)
"""


def loaded_after(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=list(args))],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [(), ("--help",), ("export", "--help"), ("db", "--help"), ("qr", "--help")],
    ids=["bare", "help", "export-help", "db-help", "qr-help"],
)
def test_the_help_loads_no_heavy_library(args: tuple[str, ...]) -> None:
    loaded = loaded_after(*args)
    assert "typer" in loaded  # the probe did run the CLI
    assert not loaded & set(HEAVY), f"gopy {' '.join(args)} imported {sorted(loaded & set(HEAVY))}"
