"""Administering without reading code: the listing, revoking and template commands, run
in-process on a real SQLite file and on PostgreSQL, in Vietnamese and in English."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.seed import TEST_KEY, TEST_SECRET

runner = CliRunner()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    from tests.databases import truncate_postgres

    url: str = request.getfixturevalue("postgres_ready")
    asyncio.run(truncate_postgres(url))
    return url


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOPY_DATABASE_URL", db_url)
    monkeypatch.setenv("GOPY_SECRET_KEY", TEST_SECRET)  # the key the redeeming test uses
    monkeypatch.setenv("GOPY_TELEGRAM_BOT_USERNAME", "gopy_test_bot")
    monkeypatch.delenv("GOPY_LOCALE", raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    return tmp_path


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def as_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def add_secretary(url: str, unit_code: str, name: str, *, blocked: bool = False) -> int:
    """A person who joined ``unit_code`` as its secretary (as if through an invite)."""
    from storage.database import create_engine, create_session_factory
    from storage.models import RoleKind
    from storage.people import get_or_create_person, grant_role
    from storage.units import get_unit

    async def add() -> int:
        engine = create_engine(url)
        try:
            async with create_session_factory(engine)() as session:
                now = datetime.now(UTC)
                person = await get_or_create_person(
                    session=session, channel="telegram", external_id="901", full_name=name, now=now
                )
                if blocked:
                    person.unreachable_since = now
                unit = await get_unit(session=session, code=unit_code)
                assert unit is not None and person.id is not None
                await grant_role(
                    session=session, person=person, unit=unit, kind=RoleKind.SECRETARY, now=now
                )
                await session.commit()
                return person.id
        finally:
            await engine.dispose()

    return asyncio.run(add())


def test_org_list_as_a_table_a_tree_and_json(env: Path) -> None:
    ok("demo")
    table = ok("org", "list")
    assert "NGOCHA-CB12" in table and "Cấp trên" in table

    tree = ok("org", "list", "--tree")
    assert re.search(r"└── NGOCHA-CB12 Chi bộ Trạm Y tế phường Ngọc Hà \(chi bộ\)", tree), tree
    assert tree.index("HN ") < tree.index("NGOCHA ") < tree.index("NGOCHA-CB01")

    assert tree.index("HN ") < tree.index("GIANGVO ") < tree.index("GIANGVO-CB07")

    units = as_json("org", "list")
    assert isinstance(units, list) and len(units) == 22
    assert units[0] == {
        "code": "HN",
        "name": "Đảng bộ Thành phố Hà Nội",
        "level": "city",
        "parent": None,
        "place": "Hà Nội",
        "depth": 0,
    }
    parents = {u["code"]: u["parent"] for u in units}
    assert parents["NGOCHA-CB07"] == "NGOCHA" and parents["GIANGVO-CB07"] == "GIANGVO"
    assert parents["NGOCHA"] == parents["GIANGVO"] == "HN"


def test_empty_lists_say_how_to_fill_them(env: Path) -> None:
    assert "gopy org import" in ok("org", "list")
    assert "gopy campaign import" in ok("campaign", "list")
    assert as_json("org", "list") == [] and as_json("campaign", "list") == []


def test_campaign_list_and_show(env: Path) -> None:
    ok("demo")
    listed = ok("campaign", "list")
    assert "dh14" in listed and "đang diễn ra" in listed
    (row,) = as_json("campaign", "list")
    assert row["code"] == "dh14" and row["unit"] == "HN" and row["state"] == "open"
    assert row["starts"].endswith("+07:00")

    ok("qr", "dh14", "--document", "bctt", "--section", "I", "--out", "q.png")
    shown = ok("campaign", "show", "dh14")
    assert "thứ Tư 17:00" in shown and "thứ Năm 11:30" in shown, "deadlines in local words"
    assert "thứ Sáu 17:00" in shown
    assert "24h,2h (mặc định)" in shown and "21:00-07:00 (mặc định)" in shown
    assert "Mẫu báo cáo" in shown and "Công tác lãnh đạo, chỉ đạo" in shown
    assert "(không bắt buộc)" in shown, "the optional question says so"
    assert "Chương VII. Công tác kiểm tra, giám sát của Đảng" in shown
    assert re.search(r"GY-[A-Z0-9]{5} +│ bctt +│ I ", shown), shown

    data = as_json("campaign", "show", "dh14")
    assert isinstance(data, dict)
    deadlines = data["deadlines"]
    assert [(d["level"], d["weekday"], d["time"], d["own_form"]) for d in deadlines] == [
        ("cell", 2, "17:00", False),
        ("ward", 3, "11:30", False),
        ("city", 4, "17:00", False),
    ]
    # The demo's final reports move with its dates: the wards' due at 11:30, the city's at 17:00.
    assert [d["final_due"] and d["final_due"][-15:] for d in deadlines] == [
        None,
        "T11:30:00+07:00",
        "T17:00:00+07:00",
    ]
    assert [d["code"] for d in data["documents"]] == ["bctt", "bctk", "dieule"]
    assert len(data["form"]) == 9 and data["form"][8]["optional"] is True
    (entry,) = data["entry_points"]
    assert entry["document"] == "bctt" and entry["section"] == "I"


def codes_in(output: str) -> list[str]:
    return re.findall(r"^([A-Z0-9]{5}-[A-Z0-9]{5})\t", output, re.MULTILINE)


def test_invite_list_and_revoke(env: Path, db_url: str) -> None:
    ok("demo")
    old_style = codes_in(ok("invite", "NGOCHA-CB01", "--count", "2"))
    new_style = codes_in(ok("invite", "create", "NGOCHA-CB01", "--role", "official"))
    assert len(old_style) == 2 and len(new_style) == 1, "gopy invite UNIT still makes invites"

    invites = as_json("invite", "list", "NGOCHA-CB01")
    assert isinstance(invites, list) and len(invites) == 4
    assert {i["state"] for i in invites} == {"open"}
    assert invites[0]["role"] == "official" and invites[0]["used_by"] is None
    assert set(invites[0]) == {
        "id", "unit", "role", "mode", "created", "expires", "state", "used_at", "used_by"
    }  # fmt: skip

    first = ok("invite", "revoke", old_style[0].lower())  # typed as people type it
    assert "Đã thu hồi mã mời số" in first
    again = ok("invite", "revoke", old_style[0])
    assert "đã hết hạn hoặc đã bị thu hồi" in again

    number = str(invites[0]["id"])
    assert "Đã thu hồi mã mời số " + number in ok("invite", "revoke", "--id", number)
    assert "Đã thu hồi 2 mã mời chưa dùng" in ok(
        "invite", "revoke", "--unit", "NGOCHA-CB01", "--all"
    )
    assert "Đã thu hồi 0 mã mời" in ok("invite", "revoke", "--unit", "NGOCHA-CB01", "--all")

    states = [i["state"] for i in as_json("invite", "list", "NGOCHA-CB01")]
    assert states == ["expired"] * 4
    listed = ok("invite", "list", "NGOCHA-CB01")
    assert "hết hạn" in listed and "gopy invite revoke --id SỐ" in listed

    assert redeem(db_url, old_style[1]) == "expired", "a revoked code no longer works"


def redeem(url: str, code: str) -> str:
    from storage.database import create_engine, create_session_factory
    from storage.invites import redeem_invite
    from storage.people import get_or_create_person

    async def use() -> str:
        engine = create_engine(url)
        try:
            async with create_session_factory(engine)() as session:
                now = datetime.now(UTC)
                person = await get_or_create_person(
                    session=session, channel="telegram", external_id="77", full_name="Lan", now=now
                )
                outcome = await redeem_invite(
                    session=session, code=code, person=person, key=TEST_KEY, now=now
                )
                await session.commit()
                return outcome.outcome.value
        finally:
            await engine.dispose()

    return asyncio.run(use())


def test_a_used_invite_is_not_revoked_and_says_who_used_it(env: Path, db_url: str) -> None:
    ok("demo")
    (code,) = codes_in(ok("invite", "NGOCHA-CB02"))
    assert redeem(db_url, code) == "ok"

    said = ok("invite", "revoke", code)
    assert "đã được Lan sử dụng" in said and "gopy role remove" in said
    (used,) = [i for i in as_json("invite", "list", "NGOCHA-CB02") if i["state"] == "used"]
    assert used["used_by"]["name"] == "Lan" and used["used_at"] is not None
    assert "Lan (" in ok("invite", "list", "NGOCHA-CB02")


def test_people_list_and_role_remove(env: Path, db_url: str) -> None:
    ok("demo")
    number = add_secretary(db_url, "NGOCHA-CB03", "Đỗ Thị Lan", blocked=True)

    listed = ok("people", "list", "NGOCHA-CB03")
    assert "Đỗ Thị Lan" in listed and "bí thư" in listed and "telegram" in listed
    (person,) = as_json("people", "list", "NGOCHA-CB03")
    assert person["id"] == number and person["role"] == "secretary"
    assert person["joined"] is not None and person["blocked_since"] is not None

    removed = ok("role", "remove", str(number), "secretary", "--unit", "NGOCHA-CB03")
    assert "Đỗ Thị Lan" in removed and "không còn giữ vai trò bí thư" in removed
    assert as_json("people", "list", "NGOCHA-CB03") == []

    again = runner.invoke(
        app, ["role", "remove", str(number), "secretary", "--unit", "NGOCHA-CB03"]
    )
    assert again.exit_code == 1 and "gopy people list NGOCHA-CB03" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["campaign", "show", "nope"],
            'Không tìm thấy đợt "nope". Xem danh sách: gopy campaign list',
        ),
        (["invite", "list", "NOPE"], 'Không tìm thấy đơn vị "NOPE". Xem danh sách: gopy org list'),
        (["invite", "NOPE"], 'Không tìm thấy đơn vị "NOPE". Xem danh sách: gopy org list'),
        (["invite", "revoke", "--unit", "NOPE", "--all"], 'đơn vị "NOPE"'),
        (["invite", "revoke", "ABCDE-FGHJK"], "Không có mã mời này"),
        (["invite", "revoke", "not a code"], "Không có mã mời này"),
        (["invite", "revoke", "--id", "999999"], "gopy invite list"),
        (["invite", "revoke"], "--unit MÃ_ĐƠN_VỊ --all"),
        (["invite", "revoke", "--unit", "NGOCHA"], "--unit MÃ_ĐƠN_VỊ --all"),
        (["people", "list", "NOPE"], 'Không tìm thấy đơn vị "NOPE". Xem danh sách: gopy org list'),
        (["role", "remove", "1", "secretary", "--unit", "NOPE"], 'đơn vị "NOPE"'),
        (["role", "remove", "1", "king", "--unit", "NGOCHA"], "secretary hoặc official"),
        (["role", "remove", "999", "official", "--unit", "NGOCHA"], "gopy people list NGOCHA"),
        (["export", "--unit", "NOPE"], "gopy org list"),
        (["qr", "nope"], "gopy campaign list"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(env: Path, args: list[str], message: str) -> None:
    ok("demo")
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert message in result.output and result.output.strip().count("\n") == 0, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_importers_say_what_they_did(env: Path) -> None:
    from importlib.resources import files

    data = files("bot") / "data"
    org = env / "org.yaml"
    org.write_text((data / "demo_org.yaml").read_text("utf-8"), "utf-8")
    assert "Đã tạo 22 đơn vị, cập nhật 0, giữ nguyên 0." in ok("org", "import", str(org))
    assert "Đã tạo 0 đơn vị, cập nhật 0, giữ nguyên 22." in ok("org", "import", str(org))

    campaign = env / "campaign.yaml"
    text = (data / "demo_campaign.yaml").read_text("utf-8")
    campaign.write_text(text, "utf-8")
    created = ok("campaign", "import", str(campaign))
    assert (
        "Đã tạo đợt dh14 — Góp ý dự thảo văn kiện Đại hội XIV: 3 hạn báo cáo hằng tuần" in created
    )
    assert "3 văn kiện, 10 phần." in created

    # Drop the Party Statute (3 sections) and keep the rest.
    campaign.write_text(text[: text.index("  - code: dieule")], "utf-8")
    updated = ok("campaign", "import", str(campaign))
    assert "Đã cập nhật đợt dh14" in updated
    assert "2 văn kiện (thêm 0, bỏ 1), 7 phần (thêm 0, bỏ 3)." in updated


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_templates_import_as_printed(
    env: Path, locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOPY_LOCALE", locale)
    units = env / "units.yaml"
    units.write_text(ok("org", "template"), "utf-8")
    campaign = env / "campaign.yaml"
    campaign.write_text(ok("campaign", "template"), "utf-8")

    ok("org", "import", str(units))
    ok("campaign", "import", str(campaign))
    (row,) = as_json("campaign", "list")
    assert row["unit"] in {u["code"] for u in as_json("org", "list")}
    levels = {d["level"]: d for d in as_json("campaign", "show", row["code"])["deadlines"]}
    assert levels["ward"]["final_due"] == "2026-03-05T17:00:00+07:00"
    # The ward's own questions, commented out in the template, import once uncommented.
    text = campaign.read_text("utf-8")
    text = text.replace("    # form:", "    form:").replace("    #   - {key", "      - {key")
    campaign.write_text(text, "utf-8")
    ok("campaign", "import", str(campaign))
    levels = {d["level"]: d for d in as_json("campaign", "show", row["code"])["deadlines"]}
    assert levels["ward"]["own_form"] is True


def test_the_cli_speaks_vietnamese_by_default_and_english_when_asked(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("demo")
    vi_help = ok("--help")
    assert "Nạp dữ liệu mẫu" in vi_help and "Danh sách đơn vị" in ok("org", "--help")
    assert "Mã đơn vị, ví dụ NGOCHA-CB01" in ok("invite", "list", "--help")
    assert "Tên" in ok("org", "list") and "Cấp trên" in ok("org", "list")

    monkeypatch.setenv("GOPY_LOCALE", "en")
    en_help = ok("--help")
    assert "Load a demo city with two wards" in en_help and "Nạp dữ liệu" not in en_help
    assert "Name" in ok("org", "list") and "Parent" in ok("org", "list")
    missing = runner.invoke(app, ["campaign", "show", "nope"])
    assert 'There is no campaign "nope". To list them: gopy campaign list' in missing.output


def test_help_in_a_real_process_follows_gopy_locale(tmp_path: Path) -> None:
    """Help texts are read when the module is imported: a fresh process proves they are
    translated after that, in the language of the environment."""
    clean = {k: v for k, v in os.environ.items() if k != "GOPY_LOCALE"}
    for locale, words in ((None, "Hiển thị dạng cây"), ("en", "Show the units as a tree")):
        env = clean | ({"GOPY_LOCALE": locale} if locale else {})
        done = subprocess.run(
            [sys.executable, "-c", "from bot.cli import main; main()", "org", "list", "--help"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert words in done.stdout, done.stdout + done.stderr


def test_the_language_may_come_from_dotenv(env: Path) -> None:
    (env / ".env").write_text("GOPY_LOCALE=en\n", "utf-8")
    assert "Show the units as a tree" in ok("org", "list", "--help")


def test_invite_options_may_come_before_the_unit(env: Path) -> None:
    ok("demo")
    assert len(codes_in(ok("invite", "--role", "official", "NGOCHA"))) == 1
    officials = [i for i in as_json("invite", "list", "NGOCHA") if i["role"] == "official"]
    assert len(officials) == 2, "the demo's and this one"
    assert "list" in ok("invite", "--help") and "revoke" in ok("invite", "--help")


def test_names_with_brackets_are_shown_as_written(env: Path) -> None:
    units = env / "units.yaml"
    units.write_text('units:\n  - {code: W, name: "Phường [mới] [bold]", level: ward}\n', "utf-8")
    ok("org", "import", str(units))
    assert "Phường [mới] [bold]" in ok("org", "list")
    assert "Phường [mới] [bold]" in ok("org", "list", "--tree")


def test_a_bad_file_says_nothing_was_imported(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = env / "units.yaml"
    bad.write_text("units:\n  - code: HN\n    name: Hà Nội\n    level: planet\n", "utf-8")
    result = runner.invoke(app, ["org", "import", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith("Tệp có lỗi, chưa nhập gì: units.yaml, line 4: level:")
    assert as_json("org", "list") == []

    monkeypatch.setenv("GOPY_LOCALE", "en")
    result = runner.invoke(app, ["org", "import", str(bad)])
    assert result.output.startswith("Nothing was imported: units.yaml, line 4")


def test_campaign_import_keeps_the_full_text_the_file_names(env: Path) -> None:
    """The template's `# file:` line, uncommented, with the PDF beside the campaign file."""
    from bot.render.draft_pdf import DraftSection, draft_pdf

    units = env / "units.yaml"
    units.write_text(ok("org", "template"), "utf-8")
    ok("org", "import", str(units))
    campaign = env / "campaign.yaml"
    text = ok("campaign", "template").replace("    # file: ", "    file: ")
    campaign.write_text(text, "utf-8")
    (env / "du-thao").mkdir()
    pdf = draft_pdf(heading="Đợt 1", title="Dự thảo", sections=[DraftSection("I", "Mở đầu", "")])
    (env / "du-thao" / "bao-cao-chinh-tri.pdf").write_bytes(pdf)

    created = ok("campaign", "import", str(campaign))
    assert f"Toàn văn dự thảo gopy đang lưu: bctt (PDF, {round(len(pdf) / 1024)} kB)." in created

    (env / "du-thao" / "bao-cao-chinh-tri.pdf").unlink()
    result = runner.invoke(app, ["campaign", "import", str(campaign)])
    assert result.exit_code == 1
    line = text[: text.index("    file: ")].count("\n") + 1
    assert result.output.strip() == (
        f"Tệp có lỗi, chưa nhập gì: campaign.yaml, line {line}: file: không có tệp "
        "du-thao/bao-cao-chinh-tri.pdf (đường dẫn tính từ thư mục chứa tệp đợt lấy ý kiến)"
    )
