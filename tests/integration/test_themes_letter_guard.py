"""What the letter's groups of opinions must never show, on SQLite and PostgreSQL: hidden,
spam or withdrawn comments as quotes; a name or phone; an official's odd name for a group
other than as typed. And the same data makes the same letter, byte for byte."""

from __future__ import annotations

import io

from docx import Document as open_docx
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CommentStatus
from storage.themes import live_themes, move, regroup, rename
from tests.integration.test_consolidated import filed, render, ward_report
from tests.themes_seed import NOW, Writer

ODD = '<b>Đền bù</b> & "giá" <script>'


async def test_the_letter_quotes_only_shown_comments_and_is_stable(
    session: AsyncSession,
) -> None:
    seed, _person = await filed(session)
    writer = Writer(seed)
    await writer.add_groups(session)
    await regroup(session=session, scope=writer.scope, now=NOW)
    theme = (await live_themes(session=session, scope=writer.scope))[0]
    assert theme.id is not None
    secret = {
        CommentStatus.HIDDEN: "Bồi thường giải phóng mặt bằng, ông Khoát ăn chặn tiền",
        CommentStatus.SPAM: "Bồi thường giải phóng mặt bằng mua bán đất nền giá rẻ",
        CommentStatus.WITHDRAWN: "Bồi thường giải phóng mặt bằng tôi rút lại ý kiến",
    }
    for status, text in secret.items():
        comment = await writer.add(session, text)
        assert comment.id is not None
        await move(session=session, comment_id=comment.id, theme_id=theme.id, now=NOW)
        comment.status = status
        session.add(comment)
    named = await writer.add(session, "Bồi thường giải phóng mặt bằng chậm quá")
    named.author_name, named.phone = "Lê Văn Tư", "+84912345678"
    session.add(named)
    await session.flush()
    await rename(session=session, theme_id=theme.id, label=ODD, now=NOW)

    report = await ward_report(session, seed, "2025-11-12 18:00")
    first = render(report, "docx")
    text = "\n".join(p.text for p in open_docx(io.BytesIO(first)).paragraphs)
    assert f"{ODD}: " in text, "the name as typed"
    quotes = [q.text for group in report.themes for t in group.themes for q in t.quotes]
    assert quotes and all(q[:30] in text for q in quotes), "quotes are there, shown ones"
    for words in (*secret.values(), "Lê Văn Tư", "0912345678", "912345678"):
        assert words not in text
    again = render(await ward_report(session, seed, "2025-11-12 18:00"), "docx")
    assert again == first, "the same data, the same letter"
