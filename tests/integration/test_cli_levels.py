"""A campaign of three levels through the command line: ``campaign show`` gives each level's
deadline and final report in local time; ``remind --dry-run`` shows a ward's reminder to its
officials and a final report's reminder."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.seed import TEST_SECRET
from tests.unit.test_campaign_levels import THREE_LEVELS
from tests.unit.test_importers import NESTED_ORG, write

runner = CliRunner()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    if request.param == "postgresql":
        from tests.databases import truncate_postgres

        url = request.getfixturevalue("postgres_ready")
        asyncio.run(truncate_postgres(url))
    monkeypatch.setenv("GOPY_DATABASE_URL", url)
    monkeypatch.setenv("GOPY_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("GOPY_LOCALE", raising=False)
    monkeypatch.setenv("COLUMNS", "250")  # rich would cut the messages' first lines
    monkeypatch.chdir(tmp_path)
    assert run("org", "import", str(write(tmp_path, "org.yaml", NESTED_ORG)))
    assert run("campaign", "import", str(write(tmp_path, "campaign.yaml", THREE_LEVELS)))
    return url


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def flat(text: str) -> str:
    """Rich wraps a table's title to the table's width: compare words, not line breaks."""
    return " ".join(text.split())


def add_official(url: str, unit_code: str, name: str) -> None:
    from storage.database import create_engine, create_session_factory
    from storage.models import RoleKind
    from storage.people import get_or_create_person, grant_role
    from storage.units import get_unit

    async def add() -> None:
        engine = create_engine(url)
        try:
            async with create_session_factory(engine)() as session:
                now = datetime.now(UTC)
                person = await get_or_create_person(
                    session=session, channel="telegram", external_id="902", full_name=name, now=now
                )
                unit = await get_unit(session=session, code=unit_code)
                assert unit is not None
                await grant_role(
                    session=session, person=person, unit=unit, kind=RoleKind.OFFICIAL, now=now
                )
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(add())


def test_campaign_show_gives_each_levels_final_report_in_local_time(env: str) -> None:
    shown = run("campaign", "show", "hn14")

    lines = {line.split("│")[1].strip(): line for line in shown.splitlines() if "│" in line}
    assert "thứ Năm 11:30" in lines["phường"] and "12/11/2025 17:00" in lines["phường"]
    assert "thứ Sáu 10:00" in lines["thành phố"] and "14/11/2025 17:00" in lines["thành phố"]
    assert "thứ Tư 17:00" in lines["chi bộ"] and "12/11/2025" not in lines["chi bộ"]
    assert "Hạn báo cáo tổng kết" in shown


def test_dry_run_shows_a_wards_reminder_to_its_officials(env: str) -> None:
    add_official(env, "NGOCHA", "Phạm Thu Hà")

    result = flat(run("remind", "--dry-run", "--at", "2025-11-05 12:00"))

    assert "reminder 24h · hn14 · ward · 11:30 06/11" in result, result
    assert "Phạm Thu Hà" in result
    assert "Báo cáo tuần của Đảng ủy phường Ngọc Hà" in result
    assert "Cán bộ ký" in result  # whom the unfiled table names for a ward
    assert "chạy thử" in result


def test_dry_run_shows_a_final_reports_reminder(env: str) -> None:
    result = flat(run("remind", "--dry-run", "--at", "2025-11-11 17:30"))

    assert "final_reminder 24h · hn14 · ward · 17:00 12/11 · báo cáo tổng kết" in result, result
    assert "Đảng ủy phường Ngọc Hà" in result and "chưa có cán bộ tham gia" in result
    assert "final_reminder 24h · hn14 · city" not in result  # the city's is due 14/11
