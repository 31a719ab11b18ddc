"""``/web``: a single-use link that opens the officials' web desk in a browser."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import LinkPreviewOptions, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.links import absolute
from bot.web.desk.paths import sign_in_path
from handlers.replies import refused_unless_official
from scheduler.clock import Clock
from storage.desk_access import issue_link
from storage.keys import ServerKey
from storage.people import Member
from storage.update_work import UpdateWork, commit_now
from storage.web_base import WebBase


def build_router() -> Router:
    router = Router(name="desk")
    router.message.register(send_link, Command("web"))
    return router


async def send_link(
    message: Message,
    session: AsyncSession,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    server_key: ServerKey,
    web_base: WebBase,
) -> None:
    if await refused_unless_official(message, member):
        return
    token = await issue_link(
        session=session, key=server_key, person=member.person, now=clock.now()
    )
    # Committed by the update's unit of work before the answer goes out.
    await commit_now(uow)
    text = _(
        "Open the officials' desk in a browser:\n{link}\n\n"
        "The link works once, within 10 minutes. Do not forward it."
    ).format(link=absolute(web_base.url, sign_in_path(token)))
    if not web_base.public:
        text += "\n\n" + _(
            "This link opens only on the computer running gopy: set GOPY_PUBLIC_URL for "
            "officials to open it from anywhere."
        )
    # No preview: a preview robot opening the link would see only its button, but nothing
    # about the link should leave the chat.
    await message.answer(text, link_preview_options=LinkPreviewOptions(is_disabled=True))
