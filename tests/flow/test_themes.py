"""An official and the groups of opinions: open «Nhóm ý kiến» from /comments, rename a group,
move a comment, add a group; the letter then shows the groups as the official left them. On
Telegram and on Zalo (numbered menus)."""

from __future__ import annotations

import io
from datetime import date

from docx import Document as open_docx
from sqlmodel import select

from bot.i18n import build_i18n
from bot.report_files import render_report
from handlers.themes import MoveComment, ThemeAct, ThemeAction, ThemesView
from scheduler.consolidated import consolidate
from storage.letterheads import default_letterhead
from storage.models import Campaign, Comment, CommentTheme, RoleKind, Unit
from storage.themes import live_themes, regroup
from tests.chat import at, texts
from tests.conftest import BotApp
from tests.fakes.telegram import Call
from tests.outreach import join_as
from tests.themes_seed import NOW, Writer
from tests.zalo_chat import ZaloApp

HA, CITIZEN, MINH = 7300, 7301, 7302
LONG_NAME = "Đền bù " * 30


async def grouped_overnight(app: BotApp | ZaloApp) -> Writer:
    """Citizens' comments on section I, grouped as the scheduler does at night."""
    writer = Writer(app.seed)
    async with app.runtime.db.sessions() as session:
        await writer.add_groups(session)
        await regroup(session=session, scope=writer.scope, now=NOW)
        await session.commit()
    return writer


async def themes_of(app: BotApp | ZaloApp, writer: Writer) -> dict[str, CommentTheme]:
    async with app.runtime.db.sessions() as session:
        return {t.label: t for t in await live_themes(session=session, scope=writer.scope)}


async def test_an_official_renames_a_group_and_moves_a_comment(any_app: BotApp | ZaloApp) -> None:
    app = any_app
    # join_as types a /start on either channel's chat.
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")  # type: ignore[arg-type]
    writer = await grouped_overnight(app)
    before = await themes_of(app, writer)
    ha = app.chat(HA)

    await ha.say("/comments")
    await ha.press("Dự thảo Báo cáo chính trị")
    await ha.press("I. Kết quả")
    shown = texts(await ha.press("Nhóm ý kiến"))
    assert "Nhóm ý kiến" in shown and "Kết quả thực hiện Nghị quyết Đại hội XIII" in shown
    assert all(label in shown for label in before)
    assert "ý kiến" in shown and "«" in shown, "a count and a quote per group"

    first = next(iter(before))
    opened = texts(await ha.press(f"{first} ("))
    assert "YK-" in opened
    asked = texts(await ha.press("Đổi tên"))
    assert "tên mới" in asked
    again = texts(await ha.say(LONG_NAME))
    assert "từ 1 đến 120 ký tự" in again, "too long: asked again, the step kept"
    done = texts(await ha.say("Đền bù, giải phóng mặt bằng"))
    assert "Đã đổi tên" in done and "Đền bù, giải phóng mặt bằng" in done

    opened = texts(await ha.press("Đền bù, giải phóng mặt bằng ("))
    _call, button = ha.button("Chuyển nhóm YK-")
    code = button["text"].split()[-1]
    await ha.press("Chuyển nhóm YK-")
    other = next(label for label in before if label != first)
    moved = texts(await ha.press(other))
    assert f"Đã chuyển {code} sang «{other}»" in moved

    async with app.runtime.db.sessions() as session:
        comment = (await session.execute(select(Comment).where(Comment.receipt == code))).one()[0]
        renamed = before[first]
        assert comment.theme_pinned and comment.theme_id == before[other].id
        # Grouping again keeps both edits.
        await regroup(session=session, scope=writer.scope, now=NOW)
        await session.commit()
        await session.refresh(comment)
        theme = await session.get(CommentTheme, renamed.id)
        assert theme is not None and theme.label == "Đền bù, giải phóng mặt bằng"
        assert comment.theme_id == before[other].id

        ward = await session.get(Unit, app.seed.ward.id)
        assert ward is not None
        report = await consolidate(
            session=session,
            unit=ward,
            campaign=app.seed.campaign,
            week=date(2025, 11, 10),
            as_of=at("2025-11-12 18:00"),
        )
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        data = render_report(
            report, "docx", letterhead=default_letterhead(ward, None), today=date(2025, 11, 12)
        )
    letter = "\n".join(p.text for p in open_docx(io.BytesIO(data)).paragraphs)
    assert "Đền bù, giải phóng mặt bằng: " in letter
    assert f"{other}: " in letter


async def test_an_official_adds_a_group_and_bad_keywords_keep_the_step(app: BotApp) -> None:
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    writer = await grouped_overnight(app)
    ha = app.chat(HA)
    await ha.press_data(
        ThemesView(
            campaign_id=writer.scope.campaign_id,
            document_id=writer.scope.document_id or 0,
            section_id=writer.scope.section_id or 0,
        ).pack()
    )
    assert "tên nhóm mới" in texts(await ha.press("Thêm nhóm"))
    assert "từ khóa" in texts(await ha.say("Giao thông công cộng"))
    assert "tối đa 60 ký tự" in texts(await ha.say(" , ;"))
    added = texts(await ha.say("xe buýt điện, tuyến xe buýt"))
    assert "Đã thêm nhóm «Giao thông công cộng»" in added
    assert "Giao thông công cộng</b>: 3 ý kiến" in added

    stopped = texts(await ha.press("Thêm nhóm"))
    assert "tên nhóm mới" in stopped
    assert "không có gì thay đổi" in texts(await ha.say("/cancel"))


async def test_only_officials_of_the_campaign_see_or_change_groups(app: BotApp) -> None:
    writer = await grouped_overnight(app)
    theme = next(iter((await themes_of(app, writer)).values()))
    assert theme.id is not None
    view = ThemesView(
        campaign_id=writer.scope.campaign_id,
        document_id=writer.scope.document_id or 0,
        section_id=writer.scope.section_id or 0,
    ).pack()
    rename = ThemeAct(theme_id=theme.id, action=ThemeAction.RENAME).pack()
    for data in (view, rename):
        refused = texts(await app.chat(CITIZEN).press_data(data))
        assert "dành cho cán bộ" in refused and theme.label not in refused

    async with app.runtime.db.sessions() as session:
        city = await session.get(Unit, app.seed.ward.parent_id)
        assert city is not None
        other = Unit(code="KIMMA", name="Đảng ủy phường Kim Mã", level=city.level)
        other.level = app.seed.ward.level
        other.parent_id = city.id
        session.add(other)
        await session.commit()
    await join_as(app, HA, other, RoleKind.OFFICIAL, "Cán bộ Kim Mã")
    for data in (view, rename):
        refused = texts(await app.chat(HA).press_data(data))
        assert "không còn hiệu lực" in refused and theme.label not in refused
    assert theme.label in (await themes_of(app, writer)), "nothing changed"


async def test_a_wards_official_reads_the_city_groups_but_only_the_city_changes_them(
    app: BotApp,
) -> None:
    """The groups are the campaign's, as its letter shows them: in the city's consultation a
    ward's official reads its share, and renaming, merging, moving or adding is the city's."""
    writer = await grouped_overnight(app)
    async with app.runtime.db.sessions() as session:
        campaign = await session.get(Campaign, writer.scope.campaign_id)
        city = await session.get(Unit, app.seed.ward.parent_id)
        assert campaign is not None and city is not None
        assert city.id is not None
        campaign.unit_id = city.id  # the city runs the consultation
        moved = (await session.execute(select(Comment).limit(1))).scalar_one()
        await session.commit()
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    await join_as(app, MINH, city, RoleKind.OFFICIAL, "Hoàng Minh")
    theme = next(iter((await themes_of(app, writer)).values()))
    assert theme.id is not None and moved.id is not None
    view = ThemesView(
        campaign_id=writer.scope.campaign_id,
        document_id=writer.scope.document_id or 0,
        section_id=writer.scope.section_id or 0,
    ).pack()

    def buttons(calls: list[Call]) -> str:
        return " ".join(b.get("text", "") for c in calls for b in c.buttons)

    ha = app.chat(HA)
    shown = await ha.press_data(view)
    assert theme.label in texts(shown) and "Thêm nhóm" not in buttons(shown)
    opened = await ha.press_data(ThemeAct(theme_id=theme.id, action=ThemeAction.OPEN).pack())
    assert "YK-" in texts(opened)
    assert not any(word in buttons(opened) for word in ("Đổi tên", "Gộp", "Chuyển nhóm"))
    for forged in (
        ThemeAct(theme_id=theme.id, action=ThemeAction.RENAME).pack(),
        ThemeAct(theme_id=theme.id, action=ThemeAction.MERGE).pack(),
        MoveComment(comment_id=moved.id).pack(),
    ):
        assert "không còn hiệu lực" in texts(await ha.press_data(forged))
    assert theme.label in await themes_of(app, writer), "nothing changed"

    minh = app.chat(MINH)
    assert "Thêm nhóm" in buttons(await minh.press_data(view))
    opened = await minh.press_data(ThemeAct(theme_id=theme.id, action=ThemeAction.OPEN).pack())
    assert "Đổi tên" in buttons(opened) and "Chuyển nhóm" in buttons(opened)
