"""The rows of ``gopy comments import``: whatever the cells hold, a row parses to values or to
problems for its line, never to an exception."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.importers.comments_table import (
    HEADERS,
    TableProblem,
    parse_day,
    parse_row,
    problems_of,
    read_table,
)
from handlers.words import fold
from storage.models import AuthorCategory, CommentMedium, Stance

KEYS = list(HEADERS)
cells = st.dictionaries(st.sampled_from(KEYS), st.text(max_size=60), max_size=len(KEYS))


@given(line=st.integers(min_value=2, max_value=100_000), values=cells)
def test_garbage_cells_never_raise_and_name_their_line(line: int, values: dict[str, str]) -> None:
    row = parse_row(line, values)
    assert row.line == line
    for problem in problems_of("y-kien.csv", [row]):
        assert problem.startswith(f"y-kien.csv, dòng {line}: ")
    if not row.problems:
        assert row.text and row.day is not None and row.medium is not None


def _strip(text: str) -> str:
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in bare if not unicodedata.combining(ch))


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
    iso=st.booleans(),
    medium=st.sampled_from(["thư tay", "Hội nghị", "tọa đàm", "E-mail", "hòm thư góp ý"]),
    category=st.sampled_from(["cán bộ", "Đảng viên", "công chức/viên chức", "nhân dân", ""]),
    stance=st.sampled_from(["tán thành", "Không tán thành", "đồng ý một phần", "không rõ"]),
    unaccented=st.booleans(),
    upper=st.booleans(),
    text=st.text(min_size=1, max_size=200).filter(lambda t: t.strip() != ""),
)
def test_valid_words_with_or_without_accents(
    day: date,
    iso: bool,
    medium: str,
    category: str,
    stance: str,
    unaccented: bool,
    upper: bool,
    text: str,
) -> None:
    def typed(word: str) -> str:
        word = _strip(word) if unaccented else word
        return word.upper() if upper else word

    row = parse_row(
        7,
        {
            "received": day.isoformat() if iso else day.strftime("%d/%m/%Y"),
            "medium": typed(medium),
            "category": typed(category),
            "stance": typed(stance),
            "text": text,
        },
    )
    if any(ch.isprintable() and not ch.isspace() for ch in text):
        assert row.problems == [], row.problems
        assert row.day == day and row.medium is not None


@pytest.mark.parametrize(
    ("typed", "medium", "category", "stance"),
    [
        ("Thu tay", CommentMedium.LETTER, "nhan dan", AuthorCategory.CITIZEN),
        ("HỘI NGHỊ", CommentMedium.MEETING, "Cán bộ", AuthorCategory.CADRE),
        ("email", CommentMedium.EMAIL, "cong chuc", AuthorCategory.CIVIL_SERVANT),
        ("hom thu", CommentMedium.MAILBOX, "người lao động", AuthorCategory.WORKER),
    ],
)
def test_words_name_their_values(
    typed: str, medium: CommentMedium, category: str, stance: AuthorCategory
) -> None:
    row = parse_row(
        3,
        {
            "received": "5/12/2026",
            "medium": typed,
            "category": category,
            "stance": "dong y mot phan",
            "text": "Ý kiến",
        },
    )
    assert row.problems == []
    assert row.medium is medium and row.category is stance and row.stance is Stance.PARTLY


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"medium": "thư tay", "text": "x"}, "thiếu ngày nhận"),
        ({"received": "31/02/2026", "medium": "thư tay", "text": "x"}, "không phải ngày"),
        ({"received": "1/12/2026", "text": "x"}, "thiếu hình thức"),
        ({"received": "1/12/2026", "medium": "fax", "text": "x"}, "không phải hình thức"),
        ({"received": "1/12/2026", "medium": "thư"}, "thiếu nội dung"),
        (
            {"received": "1/12/2026", "medium": "thư", "text": "x", "section": "I"},
            "có mục thì phải ghi văn bản",
        ),
        (
            {"received": "1/12/2026", "medium": "thư", "text": "x", "phone": "12"},
            "không phải số điện thoại",
        ),
        (
            {"received": "1/12/2026", "medium": "thư", "text": "x", "category": "sinh viên"},
            "không phải đối tượng",
        ),
    ],
)
def test_each_mistake_is_said(cells: dict[str, str], reason: str) -> None:
    (problem,) = problems_of("a.csv", [parse_row(4, cells)])
    assert problem.startswith("a.csv, dòng 4: ") and reason in problem


@given(st.dates(min_value=date(1000, 1, 1)))
def test_days_in_both_forms(day: date) -> None:
    assert parse_day(day.strftime("%d/%m/%Y")) == day
    assert parse_day(day.isoformat()) == day
    assert parse_day(f"{day.day}.{day.month}.{day.year:04d}") == day


@given(st.datetimes(min_value=datetime(1000, 1, 1)))
def test_a_day_with_its_time_as_a_spreadsheet_saves_it(moment: datetime) -> None:
    """A date-and-time cell saved as CSV reads «25/11/2025 08:30»: the day is what counts."""
    assert parse_day(moment.strftime("%d/%m/%Y %H:%M")) == moment.date()
    assert parse_day(moment.strftime("%d/%m/%Y %H:%M:%S")) == moment.date()


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_a_file_of_garbage_is_a_problem_not_a_crash(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("garbage") / f"y-kien{suffix}"
    path.write_bytes(data)
    try:
        rows = read_table(path)
    except TableProblem:
        return
    for line, values in rows:
        assert line >= 2
        parse_row(line, values)


def test_headers_in_english_and_without_accents(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Date;MEDIUM;noi dung;Don vi\n25/11/2026;letter;Ý kiến;NGOCHA\n\n")
    assert read_table(path) == [
        (2, {"received": "25/11/2026", "medium": "letter", "text": "Ý kiến", "unit": "NGOCHA"})
    ]
    assert fold(" Hội  nghị, Tọa đàm ") == "hoi nghi toa dam"
