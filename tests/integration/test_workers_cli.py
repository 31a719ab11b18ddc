"""``gopy run --workers N`` refuses, before starting anything, what several processes cannot
share: long polling or the simulator, SQLite, no Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
PG = "postgresql+asyncpg://postgres@127.0.0.1:9/none"
WEBHOOK = {
    "GOPY_TELEGRAM_TOKEN": "42:TEST",
    "GOPY_WEBHOOK_URL": "https://gopy.example.vn",
    "GOPY_WEBHOOK_SECRET": "a-secret-of-enough-length",
    "GOPY_SECRET_KEY": "k" * 40,
}


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    for name in ("GOPY_TELEGRAM_TOKEN", "GOPY_ZALO_TOKEN", "GOPY_WEBHOOK_URL", "GOPY_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"GOPY_DATABASE_URL": PG, "GOPY_REDIS_URL": "redis://127.0.0.1:9/0"}, "webhook mode"),
        (
            {
                **WEBHOOK,
                "GOPY_DATABASE_URL": PG,
                "GOPY_REDIS_URL": "redis://127.0.0.1:9/0",
                "GOPY_WEBHOOK_URL": "",
            },
            "webhook mode",
        ),
        ({**WEBHOOK, "GOPY_DATABASE_URL": "sqlite+aiosqlite:///x.db"}, "PostgreSQL"),
        (
            {
                **WEBHOOK,
                "GOPY_DATABASE_URL": "sqlite+aiosqlite:///x.db",
                "GOPY_REDIS_URL": "redis://127.0.0.1:9/0",
            },
            "PostgreSQL",
        ),
        ({**WEBHOOK, "GOPY_DATABASE_URL": PG}, "Redis (GOPY_REDIS_URL)"),
    ],
)
def test_refused_in_english(here: Path, settings: dict[str, str], words: str) -> None:
    result = runner.invoke(app, ["run", "--workers", "2"], env={**settings, "GOPY_LOCALE": "en"})
    assert result.exit_code == 1, result.output
    assert "--workers needs" in result.output and words in result.output
    assert not (here / "x.db").exists()  # refused before touching anything


def test_refused_in_vietnamese(here: Path) -> None:
    result = runner.invoke(
        app,
        ["run", "--workers", "3"],
        env={**WEBHOOK, "GOPY_DATABASE_URL": PG, "GOPY_LOCALE": "vi"},
    )
    assert result.exit_code == 1, result.output
    assert "để các tiến trình dùng chung dữ liệu" in result.output


def test_help_tells_of_workers(here: Path) -> None:
    result = runner.invoke(app, ["run", "--help"], env={"GOPY_LOCALE": "en", "COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--workers" in result.output
    assert "PostgreSQL and Redis only" in result.output


def test_zero_workers_refused(here: Path) -> None:
    result = runner.invoke(app, ["run", "--workers", "0"], env={"GOPY_LOCALE": "en"})
    assert result.exit_code == 2
