"""``gopy comments themes``: regroup, list one row per comment, define from YAML; in-process
against a real SQLite file."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.database import create_engine, create_session_factory
from tests.seed import seed_ward
from tests.themes_seed import GROUPS, Writer

runner = CliRunner()
TOTAL = sum(len(texts) for texts in GROUPS.values())


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("GOPY_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    async def fill() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{db}")
        async with create_session_factory(engine)() as session:
            await Writer(await seed_ward(session)).add_groups(session)
            await session.commit()
        await engine.dispose()

    asyncio.run(fill())
    return tmp_path


def rows(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_regroup_then_one_row_per_comment(env: Path) -> None:
    before = runner.invoke(app, ["comments", "themes", "dh14", "--format", "csv"])
    assert before.exit_code == 0, before.output
    assert {r["Nhóm"] for r in rows(before.output)} == {""}, "nothing grouped yet"

    done = runner.invoke(app, ["comments", "themes", "regroup", "dh14"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("bctt I: ") and "nhóm" in done.output

    listed = runner.invoke(app, ["comments", "themes", "dh14", "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    found = rows(listed.output)
    assert list(found[0]) == ["Mã tiếp nhận", "Văn kiện", "Phần", "Nhóm", "Tên nhóm"]
    assert len(found) == TOTAL and len({r["Mã tiếp nhận"] for r in found}) == TOTAL
    assert {(r["Văn kiện"], r["Phần"]) for r in found} == {("bctt", "I")}
    labels = {r["Nhóm"]: r["Tên nhóm"] for r in found}
    assert len(labels) >= 2 and all(labels[r["Nhóm"]] == r["Tên nhóm"] for r in found)
    assert all(r["Nhóm"] or r["Tên nhóm"] == "Ý kiến khác" for r in found)

    table = runner.invoke(app, ["comments", "themes", "list", "dh14", "--document", "dl"])
    assert table.exit_code == 0 and "0 ý kiến" in table.output, table.output


def test_define_from_a_file(env: Path) -> None:
    themes = env / "themes.yaml"
    themes.write_text(
        "themes:\n"
        "  - label: Giao thông công cộng\n"
        "    keywords: [xe buýt điện, tuyến xe buýt]\n"
        "    examples:\n"
        "      - Mở thêm tuyến xe buýt điện về các phường ngoại thành\n",
        "utf-8",
    )
    args = ["comments", "themes", "define", "dh14", str(themes), "--document", "bctt"]
    done = runner.invoke(app, [*args, "--section", "I"])
    assert done.exit_code == 0, done.output
    assert "1 nhóm" in done.output
    again = runner.invoke(app, [*args, "--section", "I"])
    assert again.exit_code == 0, "a file loaded again updates its themes"
    listed = runner.invoke(app, ["comments", "themes", "dh14", "--format", "csv"])
    named = [r for r in rows(listed.output) if r["Tên nhóm"] == "Giao thông công cộng"]
    assert len(named) == len(GROUPS["bus"])
    assert len({r["Nhóm"] for r in named}) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["comments", "themes", "nope"], "Không tìm thấy đợt"),
        (["comments", "themes", "dh14", "--format", "xml"], "table hoặc csv"),
        (["comments", "themes", "regroup", "dh14", "--document", "nope"], "không có văn kiện"),
        (["comments", "themes", "define", "dh14", "missing.yaml", "--document", "bctt"], "yaml"),
    ],
)
def test_mistakes_are_clear(env: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output
