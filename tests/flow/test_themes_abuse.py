"""An official's edits of groups of opinions that must not go through: forged buttons that move
a withdrawn or spam comment into a group, and names that are blank once invisible characters
are taken out. Each is refused politely and nothing changes."""

from __future__ import annotations

from handlers.themes import MoveComment, ThemeAct, ThemeAction, ThemesView
from storage.models import Comment, CommentStatus, CommentTheme, RoleKind
from storage.themes import live_themes
from tests.chat import texts
from tests.conftest import BotApp
from tests.flow.test_themes import HA, grouped_overnight, themes_of
from tests.outreach import join_as
from tests.themes_seed import Writer

INVISIBLE = "\u200b\u200e"  # a zero-width space and a direction mark: a name of nothing


async def test_a_forged_move_of_a_withdrawn_or_spam_comment_is_refused(app: BotApp) -> None:
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    writer = await grouped_overnight(app)
    theme = next(iter((await themes_of(app, writer)).values()))
    assert theme.id is not None
    async with app.runtime.db.sessions() as session:
        withdrawn = await writer.add(
            session, "Tôi rút lại ý kiến, số tôi 0912345678", status=CommentStatus.WITHDRAWN
        )
        spam = await writer.add(session, "Mua đất giá rẻ liên hệ", status=CommentStatus.SPAM)
        await session.commit()
    ha = app.chat(HA)
    for comment in (withdrawn, spam):
        assert comment.id is not None
        for data in (
            MoveComment(comment_id=comment.id),
            MoveComment(comment_id=comment.id, theme_id=theme.id),
        ):
            refused = texts(await ha.press_data(data.pack()))
            assert "không còn hiệu lực" in refused and comment.receipt not in refused
    async with app.runtime.db.sessions() as session:
        for comment in (withdrawn, spam):
            stored = await session.get(Comment, comment.id)
            assert stored is not None and (stored.theme_id, stored.theme_pinned) == (None, False)
        kept = await session.get(CommentTheme, theme.id)
        assert kept is not None
        assert not {withdrawn.text, spam.text} & set(kept.examples), "nothing learnt from them"


async def test_a_name_of_invisible_characters_is_asked_again(app: BotApp) -> None:
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    writer = await grouped_overnight(app)
    before = await themes_of(app, writer)
    theme = next(iter(before.values()))
    assert theme.id is not None
    ha = app.chat(HA)
    await ha.press_data(ThemeAct(theme_id=theme.id, action=ThemeAction.RENAME).pack())
    again = texts(await ha.say(INVISIBLE))
    assert "từ 1 đến 120 ký tự" in again, "a blank name: asked again"
    done = texts(await ha.say("Đền bù đất"))
    assert "Đã đổi tên" in done

    await ha.press_data(_view(writer))
    await ha.press("Thêm nhóm")
    again = texts(await ha.say(INVISIBLE))
    assert "từ 1 đến 120 ký tự" in again, "a blank name: asked again"
    async with app.runtime.db.sessions() as session:
        labels = [t.label for t in await live_themes(session=session, scope=writer.scope)]
    assert INVISIBLE not in labels and len(labels) == len(before)


def _view(writer: Writer) -> str:
    return ThemesView(
        campaign_id=writer.scope.campaign_id,
        document_id=writer.scope.document_id or 0,
        section_id=writer.scope.section_id or 0,
    ).pack()
