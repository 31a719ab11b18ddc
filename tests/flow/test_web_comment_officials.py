"""Officials and a comment sent from the web form, on Telegram and Zalo: it is in /comments and
the export with its unit and medium, its photo comes from the bytes gopy keeps, and an answer
is kept for the receipt page (no messenger reaches a web sender), never queued."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from bot.app import Runtime
from handlers.media import keep_copies
from storage.entries import resolve_entry
from storage.models import (
    AttachmentBlob,
    Comment,
    CommentAttachment,
    CommentReply,
    Outbox,
    RoleKind,
)
from storage.web_comments import (
    WebComment,
    WebLimits,
    WebOutcome,
    WebSender,
    receipt_view,
    submit_web_comment,
)
from tests.chat import texts
from tests.conftest import BotApp
from tests.flow.test_chain import received_files
from tests.flow.test_comments import poster
from tests.integration.web_world import jpeg
from tests.seed import invite
from tests.zalo_chat import ZaloApp

HA, CITIZEN = 7200, 7201
WORDS = "Đề nghị mở rộng vỉa hè đoạn trước trường tiểu học."
ANSWER = "Cảm ơn bạn, phường sẽ khảo sát trong tháng này."
App = BotApp | ZaloApp


async def official(app: App) -> None:
    async with app.runtime.db.sessions() as session:
        code = await invite(session, app.seed.ward, role=RoleKind.OFFICIAL)
    await app.chat(HA, "Phạm Thu Hà").say(f"/start i-{code}")


async def from_the_web(app: App, words: str = WORDS, **form: Any) -> Comment:
    """A comment sent from the web form of the seed's poster, stored and committed."""
    code = await poster(app)
    runtime: Runtime = app.runtime
    async with runtime.db.sessions() as session:
        entry = await resolve_entry(session=session, code=code)
        assert entry is not None
        done = await submit_web_comment(
            session=session,
            entry=entry,
            sender=WebSender(browser="cookie-4f9a", address="203.0.113.7"),
            comment=WebComment(text=words, **form),
            key=runtime.key,
            now=app.clock.now(),
            limits=WebLimits.from_settings(runtime.settings),
        )
        await session.commit()
    assert done.outcome is WebOutcome.NEW and done.comment is not None
    return done.comment


def photos_received(app: App, user_id: int) -> list[tuple[str, bytes]]:
    """Photos sent to a person: Telegram uploads, or Zalo photo links to the shelf."""
    if isinstance(app, ZaloApp):
        found = []
        for call in app.api.to(app.chat(user_id).user):
            link = str(call.params.get("photo", ""))
            token = re.search(r"/f/([0-9]+\.[0-9]+\.[0-9a-f]+)/", link)
            if call.method == "sendPhoto" and token:
                kept = app.shelf.get(token[1])
                assert kept is not None
                found.append((kept.name, kept.data))
        return found
    return [
        (c.upload.filename, c.upload.data)
        for c in app.api.calls
        if c.method == "sendPhoto" and c.chat_id == user_id
    ]


async def test_an_official_sees_a_web_comment_and_its_photo_and_answers_on_its_receipt_page(
    any_app: App,
) -> None:
    app = any_app
    await official(app)
    comment = await from_the_web(app, name="Lê Minh Cường", phone="0912345678", photos=[jpeg()])
    ha = app.chat(HA, "Phạm Thu Hà")

    overview = texts(await ha.say("/comments"))
    assert WORDS in overview and comment.receipt in overview
    assert "Lê Minh Cường, 0912 345 678" in overview and "📷 1 ảnh" in overview
    assert "qua trang web 1" in overview, "counted by medium as the web"
    assert "cookie-4f9a" not in overview and "203.0.113.7" not in overview

    said = texts(await ha.press("📷 Ảnh (1)"))
    assert f"{comment.receipt}: ảnh 1/1" in said
    async with app.runtime.db.sessions() as session:
        (blob,) = (await session.execute(select(AttachmentBlob))).scalars().all()
    ((name, data),) = photos_received(app, HA)
    assert data == blob.data and name == f"{comment.receipt}-1.jpg", "the bytes gopy keeps"
    assert Image.open(io.BytesIO(data)).format == "JPEG"

    await ha.press(f"Trả lời {comment.receipt}")
    said = texts(await ha.say(ANSWER))
    assert "trang web" in said and "trang tra cứu" in said, "told where the answer shows"
    async with app.runtime.db.sessions() as session:
        queued = await session.scalar(select(func.count()).select_from(Outbox))
        (reply,) = (await session.execute(select(CommentReply))).scalars().all()
        entry = await resolve_entry(session=session, code=await poster(app))
        assert entry is not None
        view = await receipt_view(session=session, entry=entry, receipt=comment.receipt)
    assert queued == 0, "nothing goes to a messenger"
    assert reply.text == ANSWER
    assert view is not None
    assert [(r.text, r.unit_name) for r in view.replies] == [(ANSWER, "Đảng ủy phường Ngọc Hà")]


async def test_an_anonymous_web_comment_is_answered_on_its_page_not_in_mycomments(
    any_app: App,
) -> None:
    app = any_app
    await official(app)
    comment = await from_the_web(app)
    said = texts(await app.chat(HA, "Phạm Thu Hà").say(f"/reply {comment.receipt} {ANSWER}"))
    assert "trang tra cứu" in said and "/mycomments" not in said
    async with app.runtime.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Outbox)) == 0


async def test_a_web_comment_is_exported_with_its_unit_and_medium(any_app: App) -> None:
    app = any_app
    await official(app)
    comment = await from_the_web(app, photos=[jpeg(), jpeg("red")])
    ha = app.chat(HA, "Phạm Thu Hà")
    await ha.say("/comments")
    await ha.press("Excel")
    ((filename, data),) = received_files(app, ha)
    assert filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(data))["Ý kiến"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if "Mã tiếp nhận" in row)
    (mine,) = [row for row in rows if comment.receipt in row]
    found = dict(zip(header, mine, strict=False))
    assert found["Nội dung góp ý"] == WORDS
    assert found["Đơn vị"] == "Đảng ủy phường Ngọc Hà"
    assert found["Hình thức"] == "qua trang web"
    assert found["Số ảnh"] == 2


async def test_a_chat_photo_is_still_sent_by_the_messengers_id(app: BotApp) -> None:
    await official(app)
    citizen = app.chat(CITIZEN)
    await citizen.say(f"/start gy-{await poster(app)}")
    await citizen.send_photo("letter1", caption="Thư tay của tổ dân phố")
    await citizen.press("Bỏ qua")
    await citizen.press("Bỏ qua")
    await citizen.press("Gửi ẩn danh")
    await citizen.press("Gửi ý kiến")
    ha = app.chat(HA, "Phạm Thu Hà")
    await ha.say("/comments")
    await ha.press("📷 Ảnh (1)")
    (sent,) = [c for c in app.api.calls if c.method == "sendPhoto" and c.chat_id == HA]
    assert sent.params["photo"] == "letter1-x", "Telegram's own id, no upload"


async def test_a_media_copy_of_a_web_photo_comes_from_its_bytes(
    app: BotApp, tmp_path: Path
) -> None:
    """A ward that keeps copies (``GOPY_COMMENTS_MEDIA_DIR``) gets web photos too: no
    messenger is asked for a file id it never made."""
    comment = await from_the_web(app, photos=[jpeg()])
    start = len(app.api.calls)
    async with app.runtime.db.sessions() as session:
        stored = await session.get(Comment, comment.id)
        assert stored is not None
        kept = await keep_copies(bot=app.bot, session=session, comment=stored, folder=tmp_path)
        assert kept == 1
        (blob,) = (await session.execute(select(AttachmentBlob))).scalars().all()
        (attachment,) = (await session.execute(select(CommentAttachment))).scalars().all()
    assert attachment.media_path == f"{comment.campaign_id}/{comment.receipt}-0.jpg"
    assert (tmp_path / attachment.media_path).read_bytes() == blob.data
    assert app.api.calls[start:] == [], "no getFile"
