"""The org file's ``letter:`` and ``report_email:``: imported, read back as the unit's letterhead,
kept or reset by later imports, and refused with their line when wrong."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.importers import import_org
from storage.letterheads import (
    Letterhead,
    Recipient,
    default_letterhead,
    letterhead_of,
    set_letterhead,
)
from storage.models import Unit
from storage.units import get_unit
from tests.seed_letterheads import HANOI_BOARD
from tests.unit.test_importers import problem_of, write

HANOI = """
    units:
      - code: HN
        name: Đảng bộ Thành phố Hà Nội
        level: city
        children:
          - code: HN-BTGDV
            name: Ban Tuyên giáo và Dân vận Thành ủy
            level: ward
            report_email: phongttbtgtu@gmail.com
            letter:
              parent: Thành ủy Hà Nội
              issuer: Ban Tuyên giáo và Dân vận
              sign: BTGDVTU
              place: Hà Nội
              recipients:
                - {name: Ban Tuyên giáo và Dân vận TW, purpose: để b/cáo}
                - {name: Thường trực Thành ủy, purpose: để b/cáo}
                - Đ/c Trưởng Ban TGDVTU
                - {name: Như đề gửi, purpose: để thực hiện}
                - {name: Các phòng c/môn và Văn phòng Ban, purpose: để phối hợp}
              archive: Lưu VT, TT - TH
              signer: {mode: K/T, body: Trưởng Ban, title: Phó Trưởng Ban, name: Nguyễn Hoàng Sơn}
          - code: NGOCHA
            name: Đảng ủy phường Ngọc Hà
            level: ward
            place: Ngọc Hà
            letter:
              signer: {name: Nguyễn Thị Lan Hương}
"""


async def unit(session: AsyncSession, code: str) -> Unit:
    found = await get_unit(session=session, code=code)
    assert found is not None
    return found


async def test_the_letter_and_e_mail_are_imported(session: AsyncSession, tmp_path) -> None:
    summary = await import_org(session=session, path=write(tmp_path, "org.yaml", HANOI))
    assert summary.created == 3
    board = await unit(session, "HN-BTGDV")
    assert board.report_email == "phongttbtgtu@gmail.com"
    assert await letterhead_of(session=session, unit=board) == HANOI_BOARD.letterhead
    # Ngọc Hà names only its signer: the rest follows its name, place and parent.
    ngoc_ha = await unit(session, "NGOCHA")
    letterhead = await letterhead_of(session=session, unit=ngoc_ha)
    assert letterhead.issuer == "Đảng ủy phường Ngọc Hà" and letterhead.place == "Ngọc Hà"
    assert letterhead.parent == "Đảng bộ Thành phố Hà Nội"
    assert letterhead.recipients == (Recipient("Đảng bộ Thành phố Hà Nội"),)
    assert letterhead.sign == "ĐU" and letterhead.archive == "Lưu Văn phòng Đảng ủy"
    assert (letterhead.signer.mode, letterhead.signer.body, letterhead.signer.title) == (
        "T/M",
        "ĐẢNG ỦY",
        "BÍ THƯ",
    )
    assert letterhead.signer.name == "Nguyễn Thị Lan Hương"
    city = await unit(session, "HN")
    assert city.letterhead is None and city.report_email is None
    assert await letterhead_of(session=session, unit=city) == default_letterhead(city, None)


async def test_reimport_keeps_what_the_file_leaves_out(session: AsyncSession, tmp_path) -> None:
    path = write(tmp_path, "org.yaml", HANOI)
    await import_org(session=session, path=path)
    again = await import_org(session=session, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    # Set in chat since; a file without letter: leaves it alone.
    ngoc_ha = await unit(session, "NGOCHA")
    mine = Letterhead.from_json(
        {"sign": "BXDĐ"}, over=await letterhead_of(session=session, unit=ngoc_ha)
    )
    await set_letterhead(session=session, unit=ngoc_ha, letterhead=mine)
    bare = (
        "units:\n  - {code: NGOCHA, name: Đảng ủy phường Ngọc Hà, level: ward, place: Ngọc Hà}\n"
    )
    summary = await import_org(session=session, path=write(tmp_path, "bare.yaml", bare))
    assert summary.unchanged == 1
    assert await letterhead_of(session=session, unit=ngoc_ha) == mine
    # null goes back to the defaults.
    reset = bare.replace("place: Ngọc Hà}", "place: Ngọc Hà, letter: null, report_email: null}")
    summary = await import_org(session=session, path=write(tmp_path, "reset.yaml", reset))
    assert summary.updated == 1
    assert ngoc_ha.letterhead is None
    board = await unit(session, "HN-BTGDV")
    assert board.report_email == "phongttbtgtu@gmail.com"


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "report_email: phongttbtgtu@gmail.com",
            "report_email: phongttbtgtu",
            9,
            "report_email: not an e-mail address like phongtt@example.org",
        ),
        ("sign: BTGDVTU", "sign: BC /TU", 13, "sign: use letters, digits, '-' or '.'"),
        ("mode: K/T", "mode: KT", 22, "mode: Input should be 'T/M' or 'K/T'"),
        ("purpose: để thực hiện", f"purpose: {'x' * 101}", 19, "purpose: String should have"),
        ("issuer: Ban Tuyên giáo và Dân vận", "issuer: ''", 12, "issuer: String should have"),
        ("archive: Lưu VT, TT - TH", "archiv: Lưu VT", 21, "archiv: unknown key"),
        ("- Đ/c Trưởng Ban TGDVTU", "- {name: Đ/c, note: x}", 18, "note: unknown key"),
    ],
)
async def test_bad_letters_name_their_line(
    session: AsyncSession, tmp_path, old: str, new: str, line: int, message: str
) -> None:
    assert old in HANOI
    path = write(tmp_path, "org.yaml", HANOI.replace(old, new))
    problem = await problem_of(import_org(session=session, path=path))
    assert problem.line == line, str(problem)
    assert problem.message.startswith(message), str(problem)
    assert await get_unit(session=session, code="HN") is None, "nothing is written"
