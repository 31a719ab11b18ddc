"""The letter's «Những vấn đề nổi bật, nhóm ý kiến» and the comments export's theme column,
with an official's rename kept."""

from __future__ import annotations

import io

from docx import Document as open_docx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.files import Files
from bot.i18n import build_i18n
from storage.comments import export_views
from storage.themes import live_themes, regroup, rename, theme_labels
from tests.integration.test_consolidated import filed, render, ward_report
from tests.themes_seed import GROUPS, NOW, Writer


async def test_the_letter_lists_the_themes_and_keeps_the_answers(session: AsyncSession) -> None:
    seed, _person = await filed(session)
    writer = Writer(seed)
    await writer.add_groups(session)
    await writer.add(session, "Hội trường tổ dân phố cần sửa mái")
    await regroup(session=session, scope=writer.scope, now=NOW)
    themes = await live_themes(session=session, scope=writer.scope)
    first = themes[0]
    assert first.id is not None
    await rename(session=session, theme_id=first.id, label="Đền bù khi thu hồi đất", now=NOW)
    report = await ward_report(session, seed, "2025-11-12 18:00")
    (section,) = report.themes
    counts = [t.count for t in section.themes if t.theme_id is not None]
    assert counts == sorted(counts, reverse=True) and len(counts) <= 5
    assert sum(t.count for t in section.themes) == sum(map(len, GROUPS.values())) + 1

    document = open_docx(io.BytesIO(render(report, "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    # In the part of the form's question «Vấn đề nổi bật, nhóm ý kiến», after the answers.
    heading = "VẤN ĐỀ NỔI BẬT, NHÓM Ý KIẾN"
    assert text.count(heading) == 1
    found = text[text.index(heading) :]
    found = found[: found.index("\nVI- ")]
    answer = found.index("Nhiều ý kiến về phòng, chống tham nhũng")
    part = found[found.index("Các nhóm ý kiến của Nhân dân:") :]
    assert found.index("Các nhóm ý kiến của Nhân dân:") > answer, "the answers stay, first"
    assert "Dự thảo Báo cáo chính trị — I." in part
    renamed = next(t for t in section.themes if t.theme_id == first.id)
    assert f"Đền bù khi thu hồi đất: {renamed.count} ý kiến." in part
    assert all(q.text[:30] in part for q in renamed.quotes) and 1 <= len(renamed.quotes) <= 2


async def test_the_export_has_a_theme_column(session: AsyncSession) -> None:
    seed, _person = await filed(session)
    writer = Writer(seed)
    groups = await writer.add_groups(session)
    await regroup(session=session, scope=writer.scope, now=NOW)
    first = groups["land"][0]
    await session.refresh(first)
    assert first.theme_id is not None
    await rename(session=session, theme_id=first.theme_id, label="Đất đai", now=NOW)
    views = [v async for v in export_views(session=session, campaign=seed.campaign)]
    names = await theme_labels(session=session, ids=[first.theme_id])
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        data = Files().comments(views, fmt="xlsx", tz="Asia/Ho_Chi_Minh", themes=names)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if "Mã tiếp nhận" in r)
    column = header.index("Nhóm")
    by_receipt = {r[0]: r[column] for r in rows if r[0] and str(r[0]).startswith("YK-")}
    assert by_receipt[first.receipt] == "Đất đai"
    assert set(by_receipt.values()) <= {"Đất đai", "Ý kiến khác"}
