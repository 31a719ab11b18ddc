"""The importers fed an upload's bytes (the desk's campaign page), and what the fuzzing of that
page found in them: each bug a 500 where a line to fix was due."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.importers import ImportProblem, import_campaign_data, parse_yaml
from bot.importers.org import import_org_data
from storage.models import UnitLevel
from storage.units import get_unit

ORG = textwrap.dedent("""
    units:
      - code: HN
        name: Đảng bộ Thành phố Hà Nội
        level: city
        children:
          - code: BADINH
            name: Đảng bộ quận Ba Đình
            level: district
            children:
              - {code: NGOCHA, name: Đảng ủy phường Ngọc Hà, level: ward}
""").lstrip("\n")


async def test_an_org_file_is_imported_from_its_bytes_with_each_units_outcome(
    session: AsyncSession,
) -> None:
    first = await import_org_data(session=session, raw=parse_yaml(ORG.encode()), source="o")
    assert [(p.unit.code, p.outcome) for p in first.placed] == [
        ("HN", "created"),
        ("BADINH", "created"),
        ("NGOCHA", "created"),
    ]
    assert first.placed[2].loc == ("units", 0, "children", 0, "children", 0)
    renamed = ORG.replace("quận Ba Đình", "Ba Đình")
    again = await import_org_data(session=session, raw=parse_yaml(renamed), source="o")
    assert [p.outcome for p in again.placed] == ["unchanged", "updated", "unchanged"]


async def test_a_district_in_an_org_file_is_a_level_not_a_key_error(
    session: AsyncSession,
) -> None:
    """``RANK`` knew city, ward and cell only: ``level: district`` raised a KeyError."""
    await import_org_data(session=session, raw=parse_yaml(ORG), source="org.yaml")
    district = await get_unit(session=session, code="BADINH")
    assert district is not None and district.level is UnitLevel.DISTRICT
    upside_down = ORG.replace("level: district", "level: province")
    with pytest.raises(ImportProblem) as problem:
        await import_org_data(session=session, raw=parse_yaml(upside_down), source="org.yaml")
    assert problem.value.line == 8
    assert "province > city > district > ward > cell" in problem.value.message


@pytest.mark.parametrize("escape", ["\\0", "\\ud800", "\\x00"])
def test_a_nul_or_a_lone_surrogate_is_a_problem_on_its_line(escape: str) -> None:
    """An escape in a quoted scalar made text PostgreSQL refuses (a 500, after the checks)."""
    text = f'units:\n  - code: A\n    name: "Chi bộ {escape}"\n    level: cell\n'
    with pytest.raises(ImportProblem) as problem:
        parse_yaml(text.encode())
    assert problem.value.line == 3


async def test_too_many_reminders_is_a_problem_not_a_database_error(
    session: AsyncSession,
) -> None:
    """``Campaign.reminders`` holds 64 characters: a longer list failed on PostgreSQL."""
    await import_org_data(session=session, raw=parse_yaml(ORG), source="org.yaml")
    offsets = ", ".join(f"{hours}h" for hours in range(1, 31))
    campaign = textwrap.dedent(f"""
        code: qh
        title: Quy hoạch
        unit: NGOCHA
        starts: 2025-11-01
        ends: 2025-12-01
        deadlines:
          cell: {{weekday: wednesday, time: "17:00"}}
        reminders: [{offsets}]
    """).lstrip("\n")
    with pytest.raises(ImportProblem) as problem:
        await import_campaign_data(session=session, data=parse_yaml(campaign), source="c.yaml")
    assert problem.value.line == 8 and "too many reminders" in problem.value.message
