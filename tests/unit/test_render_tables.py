"""CSV and XLSX tables read back as Excel would read them: layout, groups, dates, bad text."""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.render.comments_export import CommentRow, ExportLabels, comments_sheet, export_comments
from bot.render.tables import (
    Column,
    GroupHeading,
    Sheet,
    iter_csv,
    sheet_title,
    write_csv,
    write_xlsx,
)

TZ = "Asia/Ho_Chi_Minh"
BOM = b"\xef\xbb\xbf"
# 09:05 in Hồ Chí Minh City.
CREATED = datetime(2025, 11, 10, 2, 5, tzinfo=UTC)
LABELS = ExportLabels(
    sheet="Ý kiến góp ý",
    receipt="Mã",
    created_at="Thời gian",
    document="Dự thảo",
    section="Phần",
    text="Nội dung",
    author="Người góp ý",
    phone="Điện thoại",
    photos="Ảnh",
    status="Trạng thái",
    reply="Trả lời",
    channel="Kênh",
    anonymous="(ẩn danh)",
    general="Góp ý chung",
    heading="{document} — {section} ({count} ý kiến)",
    unit="Đơn vị",
    medium="Hình thức",
    stance="Quan điểm",
    category="Đối tượng",
    theme="Nhóm",
)
HEADER = [
    "Mã",
    "Thời gian",
    "Dự thảo",
    "Phần",
    "Nội dung",
    "Người góp ý",
    "Điện thoại",
    "Ảnh",
    "Trạng thái",
    "Trả lời",
    "Kênh",
    "Đơn vị",
    "Hình thức",
    "Quan điểm",
    "Đối tượng",
    "Nhóm",
]
TEXT_COLUMN = HEADER.index("Nội dung")
POLITICAL = "Dự thảo Báo cáo chính trị"
PART_ONE = "I. Kết quả thực hiện Nghị quyết Đại hội XIII"


def comment(**changes: object) -> CommentRow:
    row = CommentRow(
        document=POLITICAL,
        section=PART_ONE,
        receipt="YK-7K3QMA",
        created_at=CREATED,
        text="Đề nghị bổ sung nội dung về chuyển đổi số.",
        author="Nguyễn Văn Ánh",
        phone="0901234567",
        photos=1,
        status="đã tiếp nhận",
        reply=None,
        channel="telegram",
        unit="Chi bộ Tổ dân phố số 1",
        medium="thư tay",
        stance="tán thành",
        category="",
        theme="Chuyển đổi số",
    )
    return replace(row, **changes)  # type: ignore[arg-type]


def open_xlsx(data: bytes) -> Worksheet:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert isinstance(sheet, Worksheet)
    return sheet


def values(sheet: Worksheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def neutralised(text: str) -> str:
    """What a CSV cell holds for a text: spreadsheets must not run it as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def report_sheet(**changes: object) -> Sheet:
    """A weekly-report-like table: cells, counts and a totals row."""
    sheet = Sheet(
        title="Báo cáo tuần 10/11/2025",
        columns=[Column("Chi bộ", 30), Column("Hội nghị", 10, "int"), Column("Người", 10, "int")],
        rows=[("Chi bộ 1", 3, 1200), ("Chi bộ 2", 0, -5), ("Chi bộ 3", None, 40)],
        totals=("Tổng", 3, 1235),
    )
    return replace(sheet, **changes)  # type: ignore[arg-type]


GROUPED = [
    comment(receipt="YK-A1"),
    comment(receipt="YK-A2", author=None, phone=None),
    comment(receipt="YK-A3", section=None),
    comment(receipt="YK-B1", document="Dự thảo Điều lệ Đảng", section="Chương II"),
    comment(receipt="YK-B2", document="Dự thảo Điều lệ Đảng", section="Chương II"),
    comment(receipt="YK-B3", document="Dự thảo Điều lệ Đảng", section="Chương II"),
]


def test_xlsx_has_a_bold_frozen_filtered_header_and_column_widths() -> None:
    sheet = open_xlsx(export_comments(GROUPED, LABELS, "xlsx", TZ))

    assert values(sheet)[0] == HEADER
    assert all(cell.font.b for cell in sheet[1])
    assert sheet["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:P{len(GROUPED) + 3 + 1}"
    # 60 characters as Excel stores a width it shows as 60: with the cell padding (60.71).
    assert 60 < sheet.column_dimensions["E"].width < 61
    assert sheet.title == "Ý kiến góp ý"


def test_xlsx_groups_get_a_merged_bold_heading_with_their_count() -> None:
    sheet = open_xlsx(export_comments(GROUPED, LABELS, "xlsx", TZ))
    rows = values(sheet)

    headings = {number: row[0] for number, row in enumerate(rows, 1) if row[1] is None}
    assert headings == {
        2: f"{POLITICAL} — {PART_ONE} (2 ý kiến)",
        5: f"{POLITICAL} — Góp ý chung (1 ý kiến)",
        7: "Dự thảo Điều lệ Đảng — Chương II (3 ý kiến)",
    }
    assert {str(merged) for merged in sheet.merged_cells.ranges} == {"A2:P2", "A5:P5", "A7:P7"}
    assert all(sheet.cell(number, 1).font.b for number in headings)
    assert [row[0] for row in rows if row[1] is not None][1:] == [c.receipt for c in GROUPED]
    assert rows[3][5] == "(ẩn danh)"
    assert rows[5][3] == "Góp ý chung"
    assert not sheet["A3"].font.b


def test_xlsx_writes_local_naive_datetimes_and_formatted_numbers() -> None:
    sheet = open_xlsx(export_comments([comment(photos=1234)], LABELS, "xlsx", TZ))

    assert sheet["B3"].value == datetime(2025, 11, 10, 9, 5)
    assert sheet["B3"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["H3"].value == 1234
    assert sheet["H3"].number_format == "#,##0"
    assert sheet["E3"].alignment.wrap_text
    assert sheet["E3"].alignment.vertical == "top"


def test_datetimes_follow_the_time_zone_asked_for() -> None:
    sheet = open_xlsx(export_comments([comment()], LABELS, "xlsx", "UTC"))
    rows = read_csv(export_comments([comment()], LABELS, "csv", "UTC"))

    assert sheet["B3"].value == datetime(2025, 11, 10, 2, 5)
    assert rows[2][1] == "10/11/2025 02:05"


def test_totals_row_is_written_bold_at_the_end_outside_the_filter() -> None:
    sheet = open_xlsx(write_xlsx([report_sheet()]))
    rows = read_csv(write_csv(report_sheet()))

    assert values(sheet)[-1] == ["Tổng", 3, 1235]
    assert all(cell.font.b for cell in sheet[5])
    assert sheet["C5"].number_format == "#,##0"
    assert sheet.auto_filter.ref == "A1:C4"
    assert rows[-1] == ["Tổng", "3", "1235"]
    # Numbers are numbers, not text that looks like a formula: no quote before -5.
    assert rows[2] == ["Chi bộ 2", "0", "-5"]
    assert rows[3] == ["Chi bộ 3", "", "40"]


def test_a_formula_in_a_comment_comes_back_from_xlsx_as_text() -> None:
    texts = ['=HYPERLINK("http://x","y")', "=1+1", "+84 90", "-ý kiến", "@SUM(A1)", "#N/A"]
    data = export_comments([comment(text=text) for text in texts], LABELS, "xlsx", TZ)
    sheet = open_xlsx(data)

    cells = [sheet.cell(number, TEXT_COLUMN + 1) for number in range(3, 3 + len(texts))]
    assert [cell.value for cell in cells] == texts
    assert {cell.data_type for cell in cells} == {"s"}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_a_formula_in_a_comment_is_quoted_in_csv() -> None:
    texts = ['=HYPERLINK("http://x","y")', "+84 90", "-ý kiến", "@SUM(A1)", "\t=1", "a=1"]
    rows = read_csv(export_comments([comment(text=text) for text in texts], LABELS, "csv", TZ))

    assert [row[TEXT_COLUMN] for row in rows[2:]] == [
        '\'=HYPERLINK("http://x","y")',
        "'+84 90",
        "'-ý kiến",
        "'@SUM(A1)",
        "'\t=1",
        "a=1",
    ]


def test_control_characters_are_stripped_and_line_ends_kept_as_newlines() -> None:
    row = comment(text="a\x00b\x07c\x1bd\r\ne\rf\tg\x85h\ud83d", author="An\x0b\uffff")
    sheet = open_xlsx(export_comments([row], LABELS, "xlsx", TZ))
    rows = read_csv(export_comments([row], LABELS, "csv", TZ))

    for got in (sheet["E3"].value, rows[2][TEXT_COLUMN]):
        assert got == "abcd\ne\nf\tgh"
    assert sheet["F3"].value == rows[2][5] == "An"


def test_decomposed_vietnamese_comes_back_composed() -> None:
    composed = "Nguyễn Thị Ánh: đề nghị làm rõ “tự chủ chiến lược”"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    row = comment(text=decomposed, author=decomposed, document=unicodedata.normalize("NFD", "Dự"))

    sheet = open_xlsx(export_comments([row], LABELS, "xlsx", TZ))
    rows = read_csv(export_comments([row], LABELS, "csv", TZ))

    assert sheet["E3"].value == sheet["F3"].value == composed
    assert rows[2][TEXT_COLUMN] == rows[2][5] == composed
    assert sheet["A2"].value == rows[1][0] == f"Dự — {PART_ONE} (1 ý kiến)"


def test_long_sheet_titles_with_forbidden_characters_are_sanitised() -> None:
    title = "Báo cáo tổng hợp ý kiến tuần 10/11/2025 [bản chính]: phường Bến Thành"
    book = load_workbook(io.BytesIO(write_xlsx([report_sheet(title=title)] * 2)))

    first, second = book.sheetnames
    assert first == "Báo cáo tổng hợp ý kiến tuần 10"
    assert second == "Báo cáo tổng hợp ý kiến tuầ (2)"
    for name in book.sheetnames:
        assert len(name) <= 31
        assert not set(name) & set("[]:*?/\\")


def test_sheet_title_edge_cases() -> None:
    assert sheet_title("Tuần 10/11") == "Tuần 10-11"
    assert sheet_title("  ") == "Sheet"
    assert sheet_title("'Ý kiến'") == "Ý kiến"
    assert sheet_title("x" * 30 + "'y") == "x" * 30
    assert sheet_title("History") == "History (2)"
    assert sheet_title("ý kiến", taken=["Ý KIẾN", "ý kiến (2)"]) == "ý kiến (3)"


@given(st.text(st.characters(exclude_categories=())), st.lists(st.text(max_size=40)))
def test_any_sheet_title_becomes_one_excel_accepts(title: str, taken: list[str]) -> None:
    name = sheet_title(title, taken)

    assert 1 <= len(name) <= 31
    assert not set(name) & set("[]:*?/\\\n\r")
    assert name == name.strip() and name[0] != "'" and name[-1] != "'"
    assert name.casefold() not in {other.casefold() for other in taken} | {"history"}


def test_csv_has_a_bom_crlf_lines_local_times_and_group_rows() -> None:
    data = export_comments(GROUPED, LABELS, "csv", TZ)
    rows = read_csv(data)

    assert data.startswith(BOM)
    assert data.count(b"\r\n") == len(rows) == 1 + len(GROUPED) + 3
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert rows[0] == HEADER
    assert rows[1] == [f"{POLITICAL} — {PART_ONE} (2 ý kiến)"] + [""] * (len(HEADER) - 1)
    assert rows[2] == [
        "YK-A1",
        "10/11/2025 09:05",
        POLITICAL,
        PART_ONE,
        "Đề nghị bổ sung nội dung về chuyển đổi số.",
        "Nguyễn Văn Ánh",
        "0901234567",
        "1",
        "đã tiếp nhận",
        "",
        "telegram",
        "Chi bộ Tổ dân phố số 1",
        "thư tay",
        "tán thành",
        "",
        "Chuyển đổi số",
    ]
    assert rows[3][5:7] == ["(ẩn danh)", ""]


def test_a_comment_over_several_lines_stays_one_csv_record() -> None:
    rows = read_csv(export_comments([comment(text="dòng 1\r\ndòng 2")], LABELS, "csv", TZ))

    assert len(rows) == 3
    assert rows[2][TEXT_COLUMN] == "dòng 1\ndòng 2"


def test_an_empty_export_is_a_header_only_file() -> None:
    sheet = open_xlsx(export_comments([], LABELS, "xlsx", TZ))
    data = export_comments([], LABELS, "csv", TZ)

    assert values(sheet) == [HEADER]
    assert sheet.auto_filter.ref == "A1:P1"
    assert read_csv(data) == [HEADER]


def test_iter_csv_streams_the_same_bytes_in_chunks() -> None:
    rows = [
        comment(receipt=f"YK-{n}", created_at=CREATED + timedelta(minutes=n)) for n in range(7)
    ]
    chunks = list(iter_csv(comments_sheet(rows, LABELS), tz=TZ, chunk_rows=3))

    assert chunks[0] == BOM
    assert len(chunks) == 4  # the BOM; the header and rows 1-3; rows 4-6; rows 7-8
    assert b"".join(chunks) == export_comments(rows, LABELS, "csv", TZ)


def test_comments_streamed_from_a_generator_are_grouped() -> None:
    rows = (comment(receipt=f"YK-{n}", section=f"Phần {n // 3}") for n in range(7))
    got = read_csv(export_comments(rows, LABELS, "csv", TZ))

    assert [row[0] for row in got if not row[1]] == [
        f"{POLITICAL} — Phần 0 (3 ý kiến)",
        f"{POLITICAL} — Phần 1 (3 ý kiến)",
        f"{POLITICAL} — Phần 2 (1 ý kiến)",
    ]


def test_group_headings_work_in_any_sheet() -> None:
    sheet = report_sheet(
        rows=[GroupHeading("Phường Bến Thành"), ("Chi bộ 1", 3, 1200)], totals=None
    )
    book = open_xlsx(write_xlsx([sheet]))

    assert values(book) == [
        ["Chi bộ", "Hội nghị", "Người"],
        ["Phường Bến Thành", None, None],
        ["Chi bộ 1", 3, 1200],
    ]
    assert read_csv(write_csv(sheet))[1] == ["Phường Bến Thành", "", ""]


def test_naive_datetimes_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rows = [comment(), comment(created_at=datetime(2025, 11, 10, 9, 5))]
    for fmt in ("csv", "xlsx"):
        with pytest.raises(ValueError, match="naive datetime"):
            export_comments(rows, LABELS, fmt, TZ)
    # openpyxl's temporary sheet file went with the failed export, not at the process's exit.
    assert list(tmp_path.iterdir()) == []


def test_rows_must_have_one_value_per_column() -> None:
    with pytest.raises(ValueError, match="row 2 has 2 cells for 3 columns"):
        write_csv(report_sheet(rows=[("Chi bộ 1", 1, 2), ("Chi bộ 2", 1)]))
    with pytest.raises(ValueError, match="the totals row has 1 cells for 3 columns"):
        write_xlsx([report_sheet(totals=("Tổng",))])
    with pytest.raises(ValueError, match="at least one sheet"):
        write_xlsx([])


def test_a_broken_heading_translation_fails_before_the_export() -> None:
    with pytest.raises(KeyError, match="target"):
        replace(LABELS, heading="{target} ({count})")


def expected_text(text: str) -> str:
    """The rule, spelled differently from the code: NFC, no surrogates, no controls but \\n \\t."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        ch
        for ch in text
        if ch in "\n\t"
        or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in "\ufffe\uffff")
    )
    return unicodedata.normalize("NFC", kept)


@settings(max_examples=50, deadline=None)
# Lone surrogates included: a messenger's JSON can carry half an emoji.
@given(st.text(st.characters(exclude_categories=())))
def test_any_comment_text_comes_back_cleaned(text: str) -> None:
    row = comment(text=text)
    sheet = open_xlsx(export_comments([row], LABELS, "xlsx", TZ))
    rows = read_csv(export_comments([row], LABELS, "csv", TZ))

    expected = expected_text(text)
    assert (sheet["E3"].value or "") == expected
    if expected:
        assert sheet["E3"].data_type == "s"
    assert rows[2][TEXT_COLUMN] == neutralised(expected)
