"""Defects a review found in /letterhead, each kept as the conversation that showed it."""

from __future__ import annotations

from storage.letterheads import letterhead_of
from storage.models import RoleKind, Unit
from tests.chat import at, texts
from tests.conftest import BotApp
from tests.flow.test_chain import make_chain
from tests.flow.test_letterhead import join


async def test_a_letterhead_button_in_the_middle_of_the_units_report(app: BotApp) -> None:
    """The official opened /letterhead earlier, then started the ward's own report. Pressing
    one of the older letterhead buttons while answering moves the person into the letterhead
    flow (no ``interrupted`` guard for EditLetterhead in handlers/report.py): the typed answers
    are dropped when that flow ends (state.clear), against the report router's own rule ("an
    old button in the middle of the form must neither be stored nor throw the answers away")."""
    await make_chain(app)
    app.clock.set(at("2025-11-13 09:00"))
    ha = app.chat(9401, "Phạm Thu Hà")
    await join(app, ha, app.seed.ward, RoleKind.OFFICIAL)
    await ha.say("/letterhead")
    await ha.say("/report")
    opened = texts(await ha.press("Tuần này"))
    assert "Câu 1/" in opened
    await ha.say("Chi bộ họp triển khai")  # the first answer of the ward's own work
    said = texts(await ha.press("Cơ quan ban hành"))
    assert "Hiện tại:" not in said, "the report was left for the letterhead"


async def test_a_menu_key_pressed_while_asked_for_the_place_is_printed_as_the_place(
    app: BotApp,
) -> None:
    """Asked for the place name, the official presses the reply keyboard's «✍️ Báo cáo đơn vị»:
    take_part only stops for slash commands (is_command), so the key's label is stored and
    every letter of the ward is dated «📊 Tình hình, ngày …»."""
    ha = app.chat(9402, "Phạm Thu Hà")
    await join(app, ha, app.seed.ward, RoleKind.OFFICIAL)
    await ha.say("/letterhead")
    await ha.press("Địa danh")
    await ha.say("📊 Tình hình")
    async with app.runtime.db.sessions() as session:
        ward = await session.get(Unit, app.seed.ward.id)
        assert ward is not None
        place = (await letterhead_of(session=session, unit=ward)).place
    assert "Tình hình" not in place, place


async def test_saved_is_said_before_the_commit(app: BotApp, monkeypatch: object) -> None:
    """take_part answers «Đã lưu.» inside the handler and the middleware commits afterwards
    (no commit_now, unlike report_form.submit and signing.submit_signed): when that commit
    fails the official has been told «Đã lưu.» and the letter still prints the old place."""
    import pytest
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    ha = app.chat(9403, "Phạm Thu Hà")
    await join(app, ha, app.seed.ward, RoleKind.OFFICIAL)
    await ha.say("/letterhead")
    await ha.press("Địa danh")

    async def failing(self: AsyncSession) -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(AsyncSession, "commit", failing)
    said = texts(await ha.say("Đà Nẵng"))
    monkeypatch.undo()
    async with app.runtime.db.sessions() as session:
        ward = await session.get(Unit, app.seed.ward.id)
        assert ward is not None
        place = (await letterhead_of(session=session, unit=ward)).place
    assert place != "Đà Nẵng"  # nothing stored...
    assert "Đã lưu" not in said, said  # ...yet the official was told it was
