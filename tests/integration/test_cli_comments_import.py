"""``gopy comments template`` and ``gopy comments import`` on the demo, against a SQLite file:
the template filled in imports, mistakes are listed by line and store nothing, and importing
the same file again stores nothing twice."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
HEADER = "ngày nhận,hình thức,văn bản,mục,nội dung,đối tượng,quan điểm,người gửi,điện thoại,đơn vị"


def rows(first: date) -> list[list[str]]:
    """Three comments received in the first days of the campaign (which starts on ``first``)."""
    day = [first + timedelta(days=n) for n in range(4, 7)]
    return [
        [day[0].strftime("%d/%m/%Y"), "Thư tay", "bctt", "I",
         "Đề nghị bổ sung giải pháp chuyển đổi số.", "nhan dan", "tán thành", "Nguyễn Văn Bảy",
         "0912 345 678", "NGOCHA-CB01"],
        [day[1].isoformat(), "hội nghị", "", "", "Cử tri đề nghị giảm thủ tục hành chính.", "",
         "", "", "", ""],
        [day[2].strftime("%d/%m/%Y"), "e-mail", "dieule", "", "Góp ý về Điều lệ.", "Đảng viên",
         "không tán thành", "", "", "NGOCHA"],
    ]  # fmt: skip


def campaign_days(folder: Path) -> tuple[date, date]:
    """The first and last day of the demo's campaign (it starts a few weeks before today)."""
    with sqlite3.connect(folder / "cli.db") as db:
        starts, ends = db.execute(
            "SELECT starts_at, ends_at FROM campaign WHERE code = 'dh14'"
        ).fetchone()
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    return tuple(  # type: ignore[return-value]
        datetime.fromisoformat(v).replace(tzinfo=UTC).astimezone(tz).date() for v in (starts, ends)
    )


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo's city, wards and campaign dh14 in a SQLite file; the folder to work in."""
    db = tmp_path / "cli.db"
    monkeypatch.setenv("GOPY_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("GOPY_TELEGRAM_BOT_USERNAME", "gopy_test_bot")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    return tmp_path


def stored(folder: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(folder / "cli.db") as db:
        rows = db.execute(
            "SELECT c.text, u.code, c.medium, c.channel, c.category, c.stance, c.anonymous, "
            "c.author_name, c.created_at, c.entered_by_id FROM comment c "
            "JOIN unit u ON u.id = c.unit_id ORDER BY c.id"
        ).fetchall()
    return [tuple(str(v) for v in row) for row in rows]


def write_csv(path: Path, rows: list[list[str]], header: str = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header.split(","))
        writer.writerows(rows)
    return path


def test_the_xlsx_template_filled_in_imports_and_again_stores_nothing(demo: Path) -> None:
    made = runner.invoke(app, ["comments", "template", "mau.xlsx"])
    assert made.exit_code == 0, made.output
    book = load_workbook(demo / "mau.xlsx")
    sheet = book.active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == HEADER.split(",")
    first, _last = campaign_days(demo)
    for row in rows(first):
        sheet.append(row)
    book.save(demo / "mau.xlsx")

    result = runner.invoke(app, ["comments", "import", "dh14", "mau.xlsx", "--unit", "NGOCHA"])
    assert result.exit_code == 0, result.output
    assert "Đã lưu 3 ý kiến." in result.output
    assert "Chi bộ Tổ dân phố số 1" in result.output and "Thư tay" in result.output
    assert "Đảng ủy phường Ngọc Hà" in result.output and "Hội nghị, tọa đàm" in result.output
    letter, meeting, email = stored(demo)
    assert letter[:8] == (
        "Đề nghị bổ sung giải pháp chuyển đổi số.",
        "NGOCHA-CB01",
        "letter",
        "import",
        "citizen",
        "agree",
        "0",
        "Nguyễn Văn Bảy",
    )
    midnight = datetime.combine(first + timedelta(days=3), datetime.min.time())
    assert letter[8].startswith(f"{midnight:%Y-%m-%d} 17:00"), "the day's start in Hà Nội, UTC"
    assert meeting[1:4] == ("NGOCHA", "meeting", "import") and meeting[6:8] == ("1", "None")
    assert email[1:3] == ("NGOCHA", "email") and email[4:6] == ("party_member", "disagree")

    again = runner.invoke(app, ["comments", "import", "dh14", "mau.xlsx", "--unit", "NGOCHA"])
    assert again.exit_code == 0, again.output
    assert "Đã lưu 0 ý kiến." in again.output and "3 dòng đã được nhập" in again.output
    assert len(stored(demo)) == 3


def test_the_csv_template_filled_in_imports(demo: Path) -> None:
    assert (
        runner.invoke(app, ["comments", "template", "--format", "csv", "mau.txt"]).exit_code == 0
    )
    header = (demo / "mau.txt").read_text(encoding="utf-8-sig").strip()
    assert header == HEADER
    first, _last = campaign_days(demo)
    write_csv(demo / "mau.csv", rows(first)[1:], header=header)
    result = runner.invoke(
        app, ["comments", "import", "dh14", "mau.csv", "--unit", "HN", "--by", "999"]
    )
    assert result.exit_code == 1 and "999" in result.output
    result = runner.invoke(app, ["comments", "import", "dh14", "mau.csv", "--unit", "HN"])
    assert result.exit_code == 0, result.output
    assert [row[1] for row in stored(demo)] == ["HN", "NGOCHA"]


def test_mistakes_are_listed_by_line_and_nothing_is_stored(demo: Path) -> None:
    first, last = campaign_days(demo)
    good = rows(first)
    write_csv(
        demo / "sai.csv",
        [
            good[0],
            ["01/01/2020", "fax", "zz", "", "", "sinh viên", "có lẽ", "", "12", "GIANGVO"],
            good[1],
            [good[0][0], "thư tay", "bctt", "IX", "Ý kiến", "", "", "", "", ""],
            good[1],
        ],
    )
    result = runner.invoke(app, ["comments", "import", "dh14", "sai.csv", "--unit", "NGOCHA"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("sai.csv")]
    assert lines == [
        "sai.csv, dòng 3: «fax» không phải hình thức: thư tay, hội nghị, e-mail hoặc hòm thư",
        "sai.csv, dòng 3: thiếu nội dung",
        "sai.csv, dòng 3: «sinh viên» không phải đối tượng: cán bộ, đảng viên, "
        "công chức/viên chức, người lao động, nhân dân hoặc không rõ",
        "sai.csv, dòng 3: «có lẽ» không phải quan điểm: tán thành, không tán thành hoặc "
        "đồng ý một phần",
        "sai.csv, dòng 3: «12» không phải số điện thoại",
        "sai.csv, dòng 3: đợt lấy ý kiến không có văn bản zz",
        "sai.csv, dòng 3: đơn vị GIANGVO không phải NGOCHA hay đơn vị trực thuộc",
        f"sai.csv, dòng 3: ngày 01/01/2020 nằm ngoài đợt lấy ý kiến ({first:%d/%m/%Y} – "
        f"{last:%d/%m/%Y})",
        "sai.csv, dòng 5: văn bản bctt không có mục IX",
        "sai.csv, dòng 6: trùng với dòng 4",
    ]
    assert "Chưa nhập gì: có 10 lỗi cần sửa." in result.output
    assert stored(demo) == [], "all or nothing"


def test_mistakes_in_english(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOPY_LOCALE", "en")
    write_csv(demo / "bad.csv", [["32/13/2026", "letter", "", "", "x", "", "", "", "", ""]])
    result = runner.invoke(app, ["comments", "import", "dh14", "bad.csv", "--unit", "NGOCHA"])
    assert result.exit_code == 1
    assert "bad.csv, line 2: «32/13/2026» is not a date like 25/11/2025" in result.output
    assert "Nothing was imported: 1 problem(s) to fix." in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("văn bản,mục\nbctt,I\n", "Thiếu cột «nội dung»"),
        ("nội dung,màu\nx,đỏ\n", "Không rõ cột «màu»"),
        ("", "Tệp trống"),
    ],
)
def test_a_file_that_is_not_a_table_of_comments(demo: Path, content: str, message: str) -> None:
    (demo / "x.csv").write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["comments", "import", "dh14", "x.csv", "--unit", "NGOCHA"])
    assert result.exit_code == 1 and message in result.output


def test_unknown_campaign_unit_or_file(demo: Path) -> None:
    write_csv(demo / "ok.csv", rows(campaign_days(demo)[0])[1:2])
    for args, message in (
        (["nope", "ok.csv", "--unit", "NGOCHA"], "nope"),
        (["dh14", "ok.csv", "--unit", "NOPE"], "NOPE"),
        (["dh14", "none.csv", "--unit", "NGOCHA"], "none.csv"),
    ):
        result = runner.invoke(app, ["comments", "import", *args])
        assert result.exit_code == 1 and message in result.output, result.output
    assert stored(demo) == []


def test_a_unit_outside_the_campaign_is_refused(demo: Path) -> None:
    """--unit names the unit that received the letters: one outside the campaign's tree (here
    another city) would count them for a place that is not part of the consultation."""
    with sqlite3.connect(demo / "cli.db") as db:
        db.execute(
            "INSERT INTO unit (code, name, level, place) "
            "VALUES ('HCM', 'Đảng bộ Thành phố Hồ Chí Minh', 'city', 'Hồ Chí Minh')"
        )
    write_csv(demo / "ok.csv", rows(campaign_days(demo)[0])[1:2])
    result = runner.invoke(app, ["comments", "import", "dh14", "ok.csv", "--unit", "HCM"])
    assert result.exit_code == 1, result.output
    assert "Hồ Chí Minh không thuộc đợt góp ý dh14" in result.output
    assert stored(demo) == []


def test_the_same_words_from_two_senders_or_on_two_sections_are_two_comments(
    demo: Path,
) -> None:
    """«Nhất trí» signed by two people, or said of two sections at one meeting, are two
    comments to count, not a row repeated by mistake; the file imported again stores none."""
    day = (campaign_days(demo)[0] + timedelta(days=4)).strftime("%d/%m/%Y")
    same = "Nhất trí với dự thảo."
    write_csv(
        demo / "hoi-nghi.csv",
        [
            [day, "thư tay", "bctt", "I", same, "", "", "Nguyễn Văn An", "", ""],
            [day, "thư tay", "bctt", "I", same, "", "", "Trần Thị Bình", "", ""],
            [day, "hội nghị", "bctt", "II", same, "", "", "", "", ""],
            [day, "hội nghị", "bctt", "III", same, "", "", "", "", ""],
        ],
    )
    args = ["comments", "import", "dh14", "hoi-nghi.csv", "--unit", "NGOCHA"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Đã lưu 4 ý kiến." in result.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "Đã lưu 0 ý kiến." in again.output, again.output
    assert len(stored(demo)) == 4
