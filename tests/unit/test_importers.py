"""Org and campaign YAML importers: valid files, idempotent re-imports, errors with their line."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.importers import ImportProblem, import_campaign, import_org, parse_yaml
from bot.importers.campaign import parse_time, parse_weekday
from bot.importers.yaml_lines import MAX_BYTES
from storage.campaigns import deadline_for, documents_of, form_of
from storage.forms import default_form
from storage.models import (
    Deadline,
    Document,
    Period,
    Report,
    ReportForm,
    Section,
    Unit,
    UnitLevel,
)
from storage.units import get_unit
from tests.seed import TEST_KEY


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write ``text`` (dedented, first line is line 1) to ``tmp_path/name``."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


async def count(session: AsyncSession, model: type) -> int:
    result = await session.execute(select(func.count()).select_from(model))
    return int(result.scalar_one())


async def problem_of(coro: Awaitable[object]) -> ImportProblem:
    with pytest.raises(ImportProblem) as error:
        await coro
    return error.value


NESTED_ORG = """
    units:
      - code: HN
        name: Đảng bộ Thành phố Hà Nội
        level: city
        children:
          - code: NGOCHA
            name: Đảng ủy phường Ngọc Hà
            level: ward
            place: Ngọc Hà
            children:
              - {code: NGOCHA-CB01, name: Chi bộ khu dân cư số 1, level: cell}
              - {code: NGOCHA-CB02, name: Chi bộ khu dân cư số 2, level: cell}
"""

CAMPAIGN = textwrap.dedent("""
    code: dh14
    title: Góp ý dự thảo văn kiện Đại hội XIV
    unit: NGOCHA
    timezone: Asia/Ho_Chi_Minh
    starts: 2025-10-15
    ends: 2025-11-10 17:00
    deadlines:
      cell: {weekday: wednesday, time: "17:00"}
      ward: {weekday: thứ Năm, time: 11:30}
    form: default
    documents:
      - code: bctt
        title: Dự thảo Báo cáo chính trị
        url: https://example.org/bctt.pdf
        sections:
          - {number: "I", heading: Kết quả nhiệm kỳ, summary: Tóm tắt}
          - {number: 2, heading: Định hướng}
      - code: dieule
        title: Dự thảo Điều lệ Đảng
""").lstrip("\n")

NOTE_FORM = 'form:\n  - {key: note, kind: text, label: {vi: "Ghi chú"}, prompt: {vi: "Ghi chú?"}}'


async def org(session: AsyncSession, tmp_path: Path) -> None:
    await import_org(session=session, path=write(tmp_path, "org.yaml", NESTED_ORG))


# --- org ---------------------------------------------------------------------------------------


async def test_nested_org_creates_the_tree(session: AsyncSession, tmp_path: Path) -> None:
    summary = await import_org(session=session, path=write(tmp_path, "org.yaml", NESTED_ORG))
    assert (summary.created, summary.updated, summary.unchanged) == (4, 0, 0)
    assert [u.code for u in summary.units] == ["HN", "NGOCHA", "NGOCHA-CB01", "NGOCHA-CB02"]
    city = await get_unit(session=session, code="HN")
    ward = await get_unit(session=session, code="NGOCHA")
    cell = await get_unit(session=session, code="NGOCHA-CB02")
    assert city is not None and ward is not None and cell is not None
    assert city.parent_id is None and city.level is UnitLevel.CITY
    assert ward.parent_id == city.id and ward.place == "Ngọc Hà"
    assert cell.parent_id == ward.id and cell.name == "Chi bộ khu dân cư số 2"


async def test_flat_org_may_name_parents_later_in_the_file_or_in_the_database(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    path = write(
        tmp_path,
        "flat.yaml",
        """
        units:
          - {code: KIMMA-CB01, name: Chi bộ số 1, level: cell, parent: KIMMA}
          - {code: KIMMA, name: Đảng ủy phường Kim Mã, level: ward, parent: HN}
          - {code: NGOCHA-CB03, name: Chi bộ số 3, level: cell, parent: NGOCHA}
        """,
    )
    summary = await import_org(session=session, path=path)
    assert summary.created == 3
    city = await get_unit(session=session, code="HN")
    ward = await get_unit(session=session, code="KIMMA")
    cell = await get_unit(session=session, code="KIMMA-CB01")
    other = await get_unit(session=session, code="NGOCHA-CB03")
    ngocha = await get_unit(session=session, code="NGOCHA")
    assert city and ward and cell and other and ngocha
    assert ward.parent_id == city.id
    assert cell.parent_id == ward.id
    assert other.parent_id == ngocha.id


async def test_reimport_is_idempotent_and_a_changed_name_updates(
    session: AsyncSession, tmp_path: Path
) -> None:
    path = write(tmp_path, "org.yaml", NESTED_ORG)
    await import_org(session=session, path=path)
    again = await import_org(session=session, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert await count(session, Unit) == 4

    renamed = write(tmp_path, "org.yaml", NESTED_ORG.replace("khu dân cư số 1", "Tổ dân phố 1"))
    third = await import_org(session=session, path=renamed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 3)
    cell = await get_unit(session=session, code="NGOCHA-CB01")
    assert cell is not None and cell.name == "Chi bộ Tổ dân phố 1"


async def test_a_top_level_unit_without_parent_keeps_its_parent(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    path = write(
        tmp_path, "ward.yaml", "units:\n  - {code: NGOCHA, name: Phường Ngọc Hà, level: ward}\n"
    )
    summary = await import_org(session=session, path=path)
    assert summary.updated == 1
    city = await get_unit(session=session, code="HN")
    ward = await get_unit(session=session, code="NGOCHA")
    assert city and ward and ward.parent_id == city.id and ward.name == "Phường Ngọc Hà"


async def test_nfd_text_is_stored_as_nfc(session: AsyncSession, tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Chi bộ Khu dân cư Đội Cấn")
    assert nfd != unicodedata.normalize("NFC", nfd)
    path = write(
        tmp_path, "org.yaml", f"units:\n  - {{code: C1, name: '  {nfd} ', level: cell}}\n"
    )
    await import_org(session=session, path=path)
    unit = await get_unit(session=session, code="C1")
    assert unit is not None and unit.name == "Chi bộ Khu dân cư Đội Cấn"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param(
            """
            units:
              - code: HN
                name: Hà Nội
                level: village
            """,
            4,
            "level: Input should be 'province', 'city', 'district', 'ward' or 'cell'",
            id="bad-level",
        ),
        pytest.param(
            """
            units:
              - code: C1
                name: Chi bộ
                level: cell
                children:
                  - code: W1
                    name: Phường
                    level: ward
            """,
            8,
            "level: a ward cannot belong to a cell ('C1')",
            id="child-not-below-parent",
        ),
        pytest.param(
            """
            units:
              - {code: W1, name: Phường, level: ward}
              - {code: C1, name: Chi bộ, level: cell, parent: W1}
              - {code: W1, name: Phường khác, level: ward}
            """,
            4,
            "code: 'W1' appears twice (first on line 2)",
            id="duplicate-code",
        ),
        pytest.param(
            """
            units:
              - code: C1
                name: Chi bộ
                level: cell
                parent: NOWHERE
            """,
            5,
            "parent: unknown unit 'NOWHERE'",
            id="unknown-parent",
        ),
        pytest.param(
            """
            units:
              - code: C1
                name: Chi bộ
               level: cell
            """,
            4,
            "",
            id="yaml-syntax",
        ),
        pytest.param(
            """
            # a list is not an org file
            - code: C1
            """,
            2,
            "the top level must be a mapping",
            id="not-a-mapping",
        ),
        pytest.param(
            """
            units:
              - code: C1
                name: Chi bộ
                level: cell
                chidren: []
            """,
            5,
            "chidren: unknown key",
            id="unknown-key",
        ),
        pytest.param(
            """
            units:
              - code: C1
                level: cell
            """,
            2,
            "name: required but missing",
            id="missing-name",
        ),
        pytest.param(
            """
            units:
              - code: "C 1"
                name: Chi bộ
                level: cell
            """,
            2,
            "code: use 1 to 64 letters",
            id="bad-code",
        ),
        pytest.param(
            """
            units:
              - code: C1
                name: Chi bộ
                level: cell
              - code: C1
                name: Chi bộ
                level: cell
            """,
            5,
            "appears twice",
            id="duplicate-after-valid",
        ),
    ],
)
async def test_org_errors_name_their_line(
    session: AsyncSession, tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    problem = await problem_of(import_org(session=session, path=write(tmp_path, "org.yaml", text)))
    assert problem.line == line, str(problem)
    assert str(problem).startswith(f"org.yaml, line {line}: ")
    assert fragment in problem.message
    assert await count(session, Unit) == 0


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param(
            """
            units:
              - code: NGOCHA
                name: Đảng ủy phường Ngọc Hà
                level: cell
            """,
            4,
            "level: 'NGOCHA' already has the cell 'NGOCHA-CB01' below it",
            id="demoted-above-stored-children",
        ),
        pytest.param(
            """
            units:
              - {code: NGOCHA, name: Phường Ngọc Hà, level: cell}
              - {code: NGOCHA-CB01, name: Chi bộ số 1, level: cell}
            """,
            3,
            "level: a cell cannot belong to a cell ('NGOCHA')",
            id="kept-parent-demoted-in-file",
        ),
        pytest.param(
            """
            units:
              - code: NGOCHA-CB01
                name: Chi bộ số 1
                level: ward
            """,
            4,
            "level: a ward cannot belong to a ward ('NGOCHA')",
            id="promoted-to-its-stored-parent-level",
        ),
    ],
)
async def test_level_changes_must_fit_stored_links(
    session: AsyncSession, tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    await org(session, tmp_path)
    problem = await problem_of(
        import_org(session=session, path=write(tmp_path, "change.yaml", text))
    )
    assert problem.line == line, str(problem)
    assert fragment in problem.message, problem.message


async def test_problem_text_has_file_line_key_and_message(
    session: AsyncSession, tmp_path: Path
) -> None:
    path = write(tmp_path, "org.yaml", "units:\n  - {code: A, name: B, level: town}\n")
    problem = await problem_of(import_org(session=session, path=path))
    assert (
        str(problem) == "org.yaml, line 2: level: Input should be "
        "'province', 'city', 'district', 'ward' or 'cell'"
    )


# --- YAML loading ------------------------------------------------------------------------------


def test_plain_scalars_stay_text_where_yaml_1_1_would_guess() -> None:
    data = parse_yaml("time: 17:00\ncode: 007\nanswer: no\nnumber: 1.10\ncount: 12\n")
    assert data == {"time": "17:00", "code": "007", "answer": "no", "number": "1.10", "count": 12}


def test_aliases_are_refused_with_their_line() -> None:
    with pytest.raises(ImportProblem) as error:
        parse_yaml("a: &x [1, 2]\nb: *x\n", source="f.yaml")
    assert error.value.line == 2


def test_duplicate_keys_are_refused_with_their_line() -> None:
    with pytest.raises(ImportProblem) as error:
        parse_yaml("a: 1\nb: 2\na: 3\n", source="f.yaml")
    assert error.value.line == 3
    assert "'a' appears twice" in error.value.message


async def test_non_utf8_file_names_the_line(session: AsyncSession, tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_bytes(b"units:\n  - code: C1\n    name: Chi b" + b"\xf4\n")
    problem = await problem_of(import_org(session=session, path=path))
    assert problem.line == 3
    assert "UTF-8" in problem.message


async def test_files_over_5_mb_are_refused(session: AsyncSession, tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_bytes(b"# " + b"x" * MAX_BYTES + b"\nunits: []\n")
    problem = await problem_of(import_org(session=session, path=path))
    assert "5 MB" in problem.message


async def test_empty_file_is_a_problem(session: AsyncSession, tmp_path: Path) -> None:
    problem = await problem_of(
        import_org(session=session, path=write(tmp_path, "org.yaml", "# nothing\n"))
    )
    assert "empty" in problem.message


# --- campaign ----------------------------------------------------------------------------------


async def test_campaign_import_stores_utc_dates_deadlines_form_and_documents(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    campaign = await import_campaign(
        session=session, path=write(tmp_path, "campaign.yaml", CAMPAIGN)
    )
    assert campaign.id is not None
    assert campaign.starts_at == datetime(2025, 10, 14, 17, 0, tzinfo=UTC)
    assert campaign.ends_at == datetime(2025, 11, 10, 10, 0, tzinfo=UTC)
    cell = await deadline_for(session=session, campaign=campaign, level=UnitLevel.CELL)
    ward = await deadline_for(session=session, campaign=campaign, level=UnitLevel.WARD)
    assert cell is not None and (cell.weekday, cell.time) == (2, "17:00")
    assert ward is not None and (ward.weekday, ward.time) == (3, "11:30")
    assert await form_of(session=session, campaign=campaign) == default_form()
    form = await session.get(ReportForm, campaign.form_id)
    assert form is not None and form.name == "dh14"
    docs = await documents_of(session=session, campaign=campaign)
    assert [d.code for d, _ in docs] == ["bctt", "dieule"]
    assert [(s.number, s.heading, s.summary) for s in docs[0][1]] == [
        ("I", "Kết quả nhiệm kỳ", "Tóm tắt"),
        ("2", "Định hướng", ""),
    ]
    assert docs[0][0].url == "https://example.org/bctt.pdf"


async def test_campaign_may_set_its_own_quiet_hours_and_reminders(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    text = CAMPAIGN.replace(
        "form: default", "form: default\nquiet_hours: 22:00-6:30\nreminders: [2h, 1d]"
    )
    campaign = await import_campaign(session=session, path=write(tmp_path, "c.yaml", text))
    assert (campaign.quiet_hours, campaign.reminders) == ("22:00-06:30", "24h,2h")
    plain = await import_campaign(session=session, path=write(tmp_path, "c.yaml", CAMPAIGN))
    assert (plain.quiet_hours, plain.reminders) == (None, None)  # back to the settings


async def test_campaign_reimport_keeps_the_id_and_replaces_the_rest(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    path = write(tmp_path, "campaign.yaml", CAMPAIGN)
    first = await import_campaign(session=session, path=path)
    form_id = first.form_id
    again = await import_campaign(session=session, path=path)
    assert again.id == first.id and again.form_id == form_id
    assert await count(session, Document) == 2
    assert await count(session, Section) == 2

    changed = (
        replace_line(CAMPAIGN, "  ward: {weekday: thứ Năm, time: 11:30}\n", "")
        .replace("Định hướng", "Định hướng phát triển")
        .replace("  - code: dieule\n    title: Dự thảo Điều lệ Đảng\n", "")
        .replace("form: default", NOTE_FORM)
    )
    third = await import_campaign(session=session, path=write(tmp_path, "campaign.yaml", changed))
    assert third.id == first.id
    assert third.form_id != form_id  # form rows are immutable: a change is a new row
    assert [f.key for f in (await form_of(session=session, campaign=third)).fields] == ["note"]
    assert await count(session, Deadline) == 1
    docs = await documents_of(session=session, campaign=third)
    assert [d.code for d, _ in docs] == ["bctt"]
    assert docs[0][1][1].heading == "Định hướng phát triển"
    assert await count(session, Section) == 2


async def test_campaign_with_reports_gets_a_new_form_row(
    session: AsyncSession, tmp_path: Path
) -> None:
    await org(session, tmp_path)
    path = write(tmp_path, "campaign.yaml", CAMPAIGN)
    campaign = await import_campaign(session=session, path=path)
    old_form = campaign.form_id
    cell = await get_unit(session=session, code="NGOCHA-CB01")
    assert campaign.id is not None and cell is not None and cell.id is not None
    moment = datetime(2025, 10, 22, 10, tzinfo=UTC)
    period = Period(
        campaign_id=campaign.id, level=UnitLevel.CELL, starts_at=moment, deadline_at=moment
    )
    session.add(period)
    await session.flush()
    assert period.id is not None
    session.add(
        Report(
            period_id=period.id,
            unit_id=cell.id,
            receipt="ABC234",
            first_submitted_at=moment,
            last_submitted_at=moment,
            on_time=True,
        )
    )
    await session.flush()

    same = await import_campaign(session=session, path=path)
    assert same.form_id == old_form  # an unchanged form is not copied

    changed = replace_line(CAMPAIGN, "form: default", NOTE_FORM)
    updated = await import_campaign(session=session, path=write(tmp_path, "c.yaml", changed))
    assert updated.id == campaign.id and updated.form_id != old_form
    kept = await session.get(ReportForm, old_form)
    assert kept is not None and [f["key"] for f in kept.fields] == [
        f.key for f in default_form().fields
    ]


def replace_line(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        pytest.param(
            "weekday: wednesday",
            "weekday: funday",
            8,
            "weekday: 'funday' is not a day",
            id="wrong-weekday",
        ),
        pytest.param(
            "weekday: wednesday",
            "weekday: 8",
            8,
            "weekday: '8' is not a day",
            id="weekday-8",
        ),
        pytest.param(
            'time: "17:00"', 'time: "25:00"', 8, "time: '25:00' is not a time", id="bad-time"
        ),
        pytest.param(
            'time: "17:00"', "time: 5pm", 8, "time: '5pm' is not a time", id="bad-time-format"
        ),
        pytest.param(
            "ends: 2025-11-10 17:00",
            "ends: 2025-10-01",
            6,
            "ends: must be after starts",
            id="ends-before-starts",
        ),
        pytest.param(
            "ends: 2025-11-10 17:00",
            "ends: 2025-13-40",
            6,
            "ends: '2025-13-40' is not a date",
            id="bad-date",
        ),
        pytest.param(
            "unit: NGOCHA", "unit: NOWHERE", 3, "unit: unknown unit 'NOWHERE'", id="unknown-unit"
        ),
        pytest.param(
            "timezone: Asia/Ho_Chi_Minh",
            "timezone: Asia/Saigonn",
            4,
            "timezone: unknown time zone 'Asia/Saigonn'",
            id="unknown-timezone",
        ),
        pytest.param(
            "form: default",
            "form:\n  - key: note\n    kind: number\n"
            "    label: {vi: Ghi chú}\n    prompt: {vi: Ghi chú}",
            12,
            "kind: Input should be 'text', 'count' or 'choices'",
            id="bad-form-field",
        ),
        pytest.param(
            "form: default",
            "form: fancy",
            10,
            "form: use 'default' or a list of fields",
            id="unknown-form-name",
        ),
        pytest.param(
            "  - code: dieule",
            "  - code: bctt",
            18,
            "code: document 'bctt' appears twice",
            id="duplicate-document",
        ),
        pytest.param(
            "{number: 2, heading: Định hướng}",
            '{number: "I", heading: Định hướng}',
            17,
            "number: section 'I' appears twice (first on line 16)",
            id="duplicate-section",
        ),
        pytest.param(
            "url: https://example.org/bctt.pdf",
            "url: ftp://example.org/x",
            14,
            "url:",
            id="bad-url",
        ),
        pytest.param(
            "  cell: {weekday",
            "  city: {weekday",
            8,
            "city: a campaign of a ward cannot set a deadline for a city",
            id="level-above-unit",
        ),
        pytest.param(
            "  cell: {weekday",
            "  town: {weekday",
            8,
            "town: Input should be 'province', 'city', 'district', 'ward' or 'cell'",
            id="unknown-level",
        ),
        pytest.param(
            "form: default",
            "form: default\nquiet_hours: 22h-6h",
            11,
            "quiet_hours: '22h-6h' is not a span of hours",
            id="bad-quiet-hours",
        ),
        pytest.param(
            "form: default",
            "form: default\nreminders: [24h, soon]",
            11,
            "reminders: 'soon' is not a time before the deadline",
            id="bad-reminders",
        ),
    ],
)
async def test_campaign_errors_name_their_line(
    session: AsyncSession, tmp_path: Path, old: str, new: str, line: int, fragment: str
) -> None:
    await org(session, tmp_path)
    text = replace_line(CAMPAIGN, old, new)
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    problem = await problem_of(import_campaign(session=session, path=path))
    assert problem.line == line, str(problem)
    assert str(problem).startswith(f"campaign.yaml, line {line}: ")
    assert fragment in problem.message, problem.message
    assert await count(session, Document) == 0
    assert await count(session, ReportForm) == 0


@pytest.mark.parametrize(
    ("raw", "weekday"),
    [
        ("monday", 0), ("Sunday", 6), ("WEDNESDAY", 2),
        ("thứ hai", 0), ("Thứ Tư", 2), ("thu tu", 2), ("THỨ NĂM", 3), ("thứ bảy", 5),
        ("thu bay", 5), ("chủ nhật", 6), ("Chu Nhat", 6), ("CN", 6), ("thứ 2", 0),
        ("T7", 5), (2, 0), (7, 5), ("4", 2),
        (unicodedata.normalize("NFD", "thứ sáu"), 4),
    ],
)  # fmt: skip
def test_weekdays_in_english_and_vietnamese(raw: object, weekday: int) -> None:
    assert parse_weekday(raw) == weekday


@pytest.mark.parametrize("raw", [1, 8, 0, True, "funday", "thứ tám", "", None, "8"])
def test_wrong_weekdays_are_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="monday"):
        parse_weekday(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("17:00", "17:00"), ("7:30", "07:30"), ("00:00", "00:00"), ("23:59", "23:59"),
     ("17h", "17:00"), ("17h30", "17:30"), ("16g00", "16:00")],
)  # fmt: skip
def test_times(raw: str, expected: str) -> None:
    assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["24:00", "12:60", "1700", "17:0", "", 1020, None, "-1:00"])
def test_wrong_times_are_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_time(raw)


async def test_vietnamese_day_first_dates(session: AsyncSession, tmp_path: Path) -> None:
    await org(session, tmp_path)
    text = replace_line(CAMPAIGN, "starts: 2025-10-15", "starts: 15/10/2025 08:00").replace(
        "ends: 2025-11-10 17:00", "ends: 10/11/2025"
    )
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    campaign = await import_campaign(session=session, path=path)
    assert campaign.starts_at == datetime(2025, 10, 15, 1, 0, tzinfo=UTC)
    assert campaign.ends_at == datetime(2025, 11, 9, 17, 0, tzinfo=UTC)


# --- documents in Markdown, and documents that comments point at -------------------------------

DRAFTS_MD = """
    # Dự thảo Báo cáo chính trị {#bctt}
    <https://example.org/bctt.pdf>

    ## I. Kết quả nhiệm kỳ
    Đánh giá thành tựu nổi bật.
    Chỉ rõ hạn chế.

    ## II) Định hướng giai đoạn 2026–2030

    ## Phụ lục

    # Dự thảo Điều lệ Đảng
"""


async def test_documents_from_markdown(session: AsyncSession, tmp_path: Path) -> None:
    await org(session, tmp_path)
    write(tmp_path, "drafts.md", DRAFTS_MD)
    yaml_text = CAMPAIGN.split("documents:")[0] + "documents: drafts.md\n"
    campaign = await import_campaign(
        session=session, path=write(tmp_path, "campaign.yaml", yaml_text)
    )
    docs = await documents_of(session=session, campaign=campaign)
    assert [(d.code, d.title, d.url) for d, _ in docs] == [
        ("bctt", "Dự thảo Báo cáo chính trị", "https://example.org/bctt.pdf"),
        ("du-thao-dieu-le-dang", "Dự thảo Điều lệ Đảng", None),
    ]
    assert [(s.number, s.heading, s.summary) for s in docs[0][1]] == [
        ("I", "Kết quả nhiệm kỳ", "Đánh giá thành tựu nổi bật.\nChỉ rõ hạn chế."),
        ("II", "Định hướng giai đoạn 2026–2030", ""),
        ("3", "Phụ lục", ""),
    ]


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("## I. Trước mọi văn kiện\n", "line 1: a section (##) before any document"),
        ("Chỉ có chữ\n", "no document"),
        ("# A {#a}\n## I. x\n## I. y\n", "section 'I' appears twice"),
    ],
)
async def test_bad_markdown_documents(
    session: AsyncSession, tmp_path: Path, markdown: str, message: str
) -> None:
    await org(session, tmp_path)
    write(tmp_path, "drafts.md", markdown)
    yaml_text = CAMPAIGN.split("documents:")[0] + "documents: drafts.md\n"
    with pytest.raises(ImportProblem) as problem:
        await import_campaign(session=session, path=write(tmp_path, "campaign.yaml", yaml_text))
    assert message in str(problem.value)


async def test_a_section_with_comments_cannot_leave_the_file(
    session: AsyncSession, tmp_path: Path
) -> None:
    from storage.comments import CommentLimits, Identity, submit_comment
    from storage.entries import Target
    from storage.people import get_or_create_person

    await org(session, tmp_path)
    campaign = await import_campaign(session=session, path=write(tmp_path, "c.yaml", CAMPAIGN))
    docs = await documents_of(session=session, campaign=campaign)
    person = await get_or_create_person(
        session=session,
        channel="telegram",
        external_id="1",
        full_name="An",
        now=campaign.starts_at,
    )
    await submit_comment(
        session=session,
        target=Target(campaign, docs[0][0], docs[0][1][1]),
        person=person,
        key=TEST_KEY,
        text="Ý kiến",
        attachments=[],
        identity=Identity(),
        channel="telegram",
        now=campaign.starts_at,
        limits=CommentLimits(),
    )
    without = "".join(line for line in CAMPAIGN.splitlines(True) if "Định hướng" not in line)
    with pytest.raises(ImportProblem) as problem:
        await import_campaign(session=session, path=write(tmp_path, "c.yaml", without))
    assert "section 'bctt/2' has comments or a QR code" in str(problem.value)
    dropped = CAMPAIGN.split("  - code: dieule")[0]
    assert await import_campaign(session=session, path=write(tmp_path, "c.yaml", dropped))
    assert [d.code for d, _ in await documents_of(session=session, campaign=campaign)] == ["bctt"]
