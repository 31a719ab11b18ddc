"""The ``gopy`` command line, run in-process against a real SQLite file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


def invite_groups(output: str) -> dict[str, list[tuple[str, str]]]:
    """``gopy demo``'s invites by the heading of their unit: (whom, code) with its link."""
    groups: dict[str, list[tuple[str, str]]] = {}
    heading = ""
    lines = output.splitlines()
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if line and not line.startswith(" ") and "(" in line:
            heading = line
        found = re.fullmatch(r"  (\S.*): ([A-Z0-9]{5}-[A-Z0-9]{5})", line)
        if found is not None:
            code = found[2].replace("-", "")
            assert following == f"    https://t.me/gopy_test_bot?start=i-{code}", line
            groups.setdefault(heading, []).append((found[1], code))
    return groups


def test_demo_prints_invites_and_invite_prints_more(env: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    links = re.findall(r"https://t\.me/gopy_test_bot\?start=i-([A-Z0-9]+)", result.output)
    assert len(links) == 22 and all(set(code) <= set(ALPHABET) for code in links)
    assert len(set(links)) == 22

    more = runner.invoke(app, ["invite", "NGOCHA-CB01", "--count", "3", "--replace"])
    assert more.exit_code == 0, more.output
    assert len(re.findall(r"start=i-", more.output)) == 3


def test_demo_lists_invites_by_unit_from_the_city_down(env: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    title = "Góp ý dự thảo văn kiện Đại hội XIV (dh14): mã mời theo từng đơn vị"
    assert result.output.startswith(title + "\n\n")

    groups = invite_groups(result.output)
    assert list(groups) == [
        "Đảng bộ Thành phố Hà Nội (thành phố, HN)",
        "Đảng ủy phường Ngọc Hà (phường, NGOCHA)",
        "Đảng ủy phường Giảng Võ (phường, GIANGVO)",
    ]
    city, ngocha, giangvo = groups.values()
    assert [whom for whom, _ in city] == ["Cán bộ thành phố"]
    assert [whom for whom, _ in ngocha][:2] == ["Cán bộ phường", "Chi bộ Tổ dân phố số 1"]
    assert len(ngocha) == 1 + 12 and ngocha[-1][0] == "Chi bộ Trạm Y tế phường Ngọc Hà"
    assert [whom for whom, _ in giangvo][:2] == ["Cán bộ phường", "Chi bộ Tổ dân phố số 3"]
    assert len(giangvo) == 1 + 7
    assert "make run" in result.output.splitlines()[-1]


def test_demo_printed_codes_join_as_what_they_say(env: Path) -> None:
    """Each printed code is an invite for the role and unit it is listed under."""
    import asyncio

    from sqlmodel import select

    from storage.database import create_engine, create_session_factory
    from storage.keys import server_key
    from storage.models import Invite, RoleKind, Unit

    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    printed = {
        code: (heading.split("(")[1].split(", ")[1].rstrip(")"), whom)
        for heading, rows in invite_groups(result.output).items()
        for whom, code in rows
    }
    url = f"sqlite+aiosqlite:///{env / 'cli.db'}"
    key = server_key(url, None)  # the secret gopy demo generated beside the database

    async def stored() -> dict[str, tuple[str, RoleKind, str]]:
        engine = create_engine(url)
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(Invite, Unit).join(Unit, Unit.id == Invite.unit_id)  # type: ignore[arg-type]
            )
            found = {
                invite.code_hash: (unit.code, invite.role, unit.name) for invite, unit in rows
            }
        await engine.dispose()
        return {code: found[key.invite_hash(code)] for code in printed}

    for code, (unit_code, role, name) in (asyncio.run(stored())).items():
        ward_or_city, whom = printed[code]
        if role is RoleKind.OFFICIAL:
            assert unit_code == ward_or_city and whom.startswith("Cán bộ"), code
        else:
            assert name == whom and unit_code.startswith(ward_or_city + "-"), code


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


def _add_secretary(env: Path, unit_code: str, name: str) -> None:
    import asyncio
    from datetime import UTC, datetime

    from storage.database import create_engine, create_session_factory
    from storage.models import RoleKind
    from storage.people import get_or_create_person, grant_role
    from storage.units import get_unit

    async def add() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{env / 'cli.db'}")
        async with create_session_factory(engine)() as session:
            now = datetime.now(UTC)
            person = await get_or_create_person(
                session=session, channel="telegram", external_id="901", full_name=name, now=now
            )
            unit = await get_unit(session=session, code=unit_code)
            assert unit is not None
            await grant_role(
                session=session, person=person, unit=unit, kind=RoleKind.SECRETARY, now=now
            )
            await session.commit()
        await engine.dispose()

    asyncio.run(add())


def _next_wednesday_1500() -> str:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    local = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=1)
    days = (2 - local.weekday()) % 7
    return (local + timedelta(days=days)).strftime("%Y-%m-%d 15:00")


def test_remind_dry_run_shows_who_and_why_and_sends_nothing(env: Path) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    _add_secretary(env, "NGOCHA-CB03", "Đỗ Thị Lan")

    result = runner.invoke(app, ["remind", "--dry-run", "--at", _next_wednesday_1500()])

    assert result.exit_code == 0, result.output
    assert "Đỗ Thị Lan" in result.output and "Chi bộ" in result.output
    assert "chạy thử" in result.output
    outbox = runner.invoke(app, ["outbox"])
    assert outbox.exit_code == 0 and "reminder" in outbox.output
    assert "Đỗ Thị Lan" not in outbox.output


def test_remind_at_a_made_up_time_needs_dry_run(env: Path) -> None:
    result = runner.invoke(app, ["remind", "--at", "2025-11-12 15:00"])
    assert result.exit_code == 1 and "--dry-run" in result.output


def test_remind_with_a_bad_time(env: Path) -> None:
    result = runner.invoke(app, ["remind", "--dry-run", "--at", "thứ Tư"])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_scheduler_alone_needs_a_token(env: Path) -> None:
    result = runner.invoke(app, ["scheduler"])
    assert result.exit_code == 1 and "GOPY_TELEGRAM_TOKEN" in result.output


def decode(path: Path) -> str:
    import zxingcpp
    from PIL import Image

    (found,) = zxingcpp.read_barcodes(Image.open(path))
    return str(found.text)


def test_qr_and_poster_of_a_section(env: Path) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    args = ["qr", "dh14", "--document", "bctt", "--section", "I"]
    result = runner.invoke(app, [*args, "--out", "q.png", "--poster", "p.pdf"])
    assert result.exit_code == 0, result.output
    link = decode(env / "q.png")
    assert re.fullmatch(r"https://t\.me/gopy_test_bot\?start=gy-[A-Z0-9]{5}", link)
    assert link in result.output and "Mã để nhắn: GY-" in result.output
    assert "Kết quả thực hiện Nghị quyết Đại hội XIII" in result.output
    assert (env / "p.pdf").read_bytes().startswith(b"%PDF")

    again = runner.invoke(app, [*args, "--poster", "p.png"])
    assert again.exit_code == 0 and link in again.output, "one code per section, kept"
    assert (env / "p.png").read_bytes().startswith(b"\x89PNG")


def test_qr_of_a_wards_poster(env: Path) -> None:
    """``--unit``: the ward's own code, whose comments count for the ward."""
    import asyncio

    from storage.database import create_engine, create_session_factory
    from storage.entries import resolve_entry

    assert runner.invoke(app, ["demo"]).exit_code == 0
    args = ["qr", "dh14", "--document", "bctt"]
    ward = runner.invoke(app, [*args, "--unit", "NGOCHA", "--out", "ward.png"])
    assert ward.exit_code == 0, ward.output
    wide = runner.invoke(app, [*args, "--out", "wide.png"])
    assert wide.exit_code == 0, wide.output
    again = runner.invoke(app, [*args, "--unit", "NGOCHA", "--out", "again.png"])
    assert again.exit_code == 0, again.output
    ward_link, wide_link = decode(env / "ward.png"), decode(env / "wide.png")
    assert ward_link != wide_link and decode(env / "again.png") == ward_link
    city = runner.invoke(app, [*args, "--unit", "HN", "--out", "city.png"])
    assert decode(env / "city.png") == wide_link, "the campaign's own unit: campaign-wide"

    async def read(link: str) -> tuple[str | None, str | None]:
        engine = create_engine(f"sqlite+aiosqlite:///{env / 'cli.db'}")
        async with create_session_factory(engine)() as session:
            entry = await resolve_entry(session=session, code=link.rsplit("gy-", 1)[1])
        await engine.dispose()
        assert entry is not None and entry.target.document is not None
        return entry.target.document.code, entry.unit.code if entry.unit else None

    assert asyncio.run(read(ward_link)) == ("bctt", "NGOCHA")
    assert asyncio.run(read(wide_link)) == ("bctt", None)
    assert city.exit_code == 0


def test_qr_of_the_quick_report(env: Path) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    result = runner.invoke(app, ["qr", "dh14", "--report"])
    assert result.exit_code == 0, result.output
    assert decode(env / "qr.png") == "https://t.me/gopy_test_bot?start=report"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["qr", "nope"], "Không tìm thấy đợt"),
        (["qr", "dh14", "--document", "nope"], "không có văn kiện"),
        (["qr", "dh14", "--document", "bctt", "--section", "IX"], "không có phần số IX"),
        (["qr", "dh14", "--section", "I"], "--document"),
        (["qr", "dh14", "--poster", "p.jpg"], ".png hoặc .pdf"),
        (["qr", "dh14", "--unit", "NOPE"], 'Không tìm thấy đơn vị "NOPE"'),
        (["comments", "export", "nope"], "Không tìm thấy đợt"),
        (["comments", "export", "dh14", "--format", "doc"], "xlsx hoặc csv"),
    ],
)
def test_qr_and_export_mistakes_are_clear(env: Path, args: list[str], message: str) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_comments_export_of_an_empty_campaign(env: Path) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    result = runner.invoke(
        app, ["comments", "export", "dh14", "--format", "csv", "--out", "c.csv"]
    )
    assert result.exit_code == 0 and "Đã ghi 0 ý kiến" in result.output, result.output
    text = (env / "c.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and "Mã tiếp nhận" in text.decode("utf-8-sig")


def test_export_the_consolidated_report(env: Path) -> None:
    from docx import Document as open_docx

    assert runner.invoke(app, ["demo"]).exit_code == 0
    result = runner.invoke(app, ["export", "--unit", "NGOCHA", "--out", "r.docx"])
    assert result.exit_code == 0, result.output
    assert "chi bộ báo cáo đúng hạn" in result.output and "Đã ghi: r.docx" in result.output
    text = "\n".join(p.text for p in open_docx(str(env / "r.docx")).paragraphs)
    assert "BÁO CÁO" in text and "0/12 chi bộ báo cáo đúng hạn" in text

    city = runner.invoke(app, ["export", "--unit", "HN", "--campaign", "--format", "xlsx"])
    assert city.exit_code == 0, city.output
    assert (env / "bao-cao-hn.xlsx").read_bytes().startswith(b"PK")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--unit", "NOPE"], "Không tìm thấy đơn vị"),
        (["export", "--unit", "NGOCHA-CB01"], "Chi bộ không có đơn vị cấp dưới"),
        (["export", "--unit", "NGOCHA", "--week", "2099-W01"], "nằm ngoài thời gian"),
        (["export", "--unit", "NGOCHA", "--week", "46"], "Tuần không hợp lệ"),
        (["export", "--unit", "NGOCHA", "--of", "nope"], "Không tìm thấy đợt"),
        (["export", "--unit", "NGOCHA", "--format", "pdf"], "docx, xlsx hoặc csv"),
        (["export", "--unit", "NGOCHA", "--week", "2025-W46", "--campaign"], "không cả hai"),
    ],
)
def test_export_mistakes_are_clear(env: Path, args: list[str], message: str) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output


def _block_bot(env: Path, external_id: str) -> None:
    import asyncio
    from datetime import UTC, datetime

    from sqlalchemy import update

    from storage.database import create_engine, create_session_factory
    from storage.models import Person

    async def block() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{env / 'cli.db'}")
        async with create_session_factory(engine)() as session:
            await session.execute(
                update(Person)
                .where(Person.external_id == external_id)  # type: ignore[arg-type]
                .values(unreachable_since=datetime.now(UTC))
            )
            await session.commit()
        await engine.dispose()

    asyncio.run(block())


def test_remind_dry_run_lists_every_unit_that_has_not_filed(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: on the demo the dry run said «0 tin sẽ được gửi» and named no cell."""
    monkeypatch.setenv("COLUMNS", "200")
    assert runner.invoke(app, ["demo"]).exit_code == 0
    _add_secretary(env, "NGOCHA-CB03", "Đỗ Thị Lan")
    _block_bot(env, "901")

    result = runner.invoke(app, ["remind", "--dry-run", "--at", _next_wednesday_1500()])

    assert result.exit_code == 0, result.output
    cells = [line for line in result.output.splitlines() if "Chi bộ" in line]
    assert len(cells) == 19, result.output  # both wards' cells
    assert sum("chưa có bí thư tham gia" in line for line in cells) == 18, result.output
    (blocked,) = [line for line in cells if "đã chặn bot" in line]
    assert "Đỗ Thị Lan" in blocked


def test_a_postgres_database_without_the_server_secret_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key file in whichever folder a command starts from gave ``gopy invite`` run from one
    folder and the bot from another two keys: the printed invite was "not valid". Without
    GOPY_SECRET_KEY a PostgreSQL gopy says so in one line and stops, creating no key file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOPY_")}
    # Refused before any connection: nothing listens on port 9.
    env |= {"GOPY_DATABASE_URL": "postgresql+asyncpg://gopy@127.0.0.1:9/gopy", "GOPY_LOCALE": "en"}
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "org", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().startswith("Set GOPY_SECRET_KEY"), done.stderr
    assert list(tmp_path.iterdir()) == [], "no key file made in the working directory"
