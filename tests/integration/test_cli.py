"""The ``gopy`` command line, run in-process against a real SQLite file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.codes import ALPHABET

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("GOPY_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("GOPY_TELEGRAM_BOT_USERNAME", "gopy_test_bot")
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    return tmp_path


def test_db_upgrade_twice(env: Path) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["db", "upgrade"])
        assert result.exit_code == 0, result.output


def test_demo_prints_invites_and_invite_prints_more(env: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    links = re.findall(r"https://t\.me/gopy_test_bot\?start=i-([A-Z0-9]+)", result.output)
    assert len(links) == 13 and all(set(code) <= set(ALPHABET) for code in links)

    more = runner.invoke(app, ["invite", "NGOCHA-CB01", "--count", "3", "--replace"])
    assert more.exit_code == 0, more.output
    assert len(re.findall(r"start=i-", more.output)) == 3


def test_invite_for_an_unknown_unit_is_a_clear_error(env: Path) -> None:
    result = runner.invoke(app, ["invite", "NOPE"])
    assert result.exit_code == 1
    assert "Không tìm thấy đơn vị" in result.output and "Traceback" not in result.output


def test_invite_with_a_bad_role(env: Path) -> None:
    result = runner.invoke(app, ["invite", "X", "--role", "king"])
    assert result.exit_code == 1 and "secretary" in result.output


def test_bad_org_file_names_the_line(env: Path) -> None:
    bad = env / "units.yaml"
    bad.write_text("units:\n  - code: HN\n    name: Hà Nội\n    level: planet\n", "utf-8")
    result = runner.invoke(app, ["org", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 4" in result.output and "Traceback" not in result.output
