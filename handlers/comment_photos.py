"""An official looks at the photos of a comment: a web photo is sent from the bytes gopy keeps
(``AttachmentBlob``), a chat photo by the messenger's own id on the messenger it came from."""

from __future__ import annotations

from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile, InputFile, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.moderation import comment_for
from storage.models import Comment
from storage.people import Member
from storage.web_photos import comment_photos


async def show_photos(
    message: Message, session: AsyncSession, member: Member, channel: str, comment: Comment
) -> None:
    """Send the comment's photos to an official who reads it (the rule of /reply)."""
    if await comment_for(message, session, member, comment.receipt) is None:
        return
    assert comment.id is not None
    photos = await comment_photos(session=session, comment_id=comment.id)
    if not photos:
        await message.answer(_("Comment {code} has no photos.").format(code=comment.receipt))
        return
    missing = 0
    for number, (attachment, blob) in enumerate(photos, 1):
        photo: InputFile | str
        if blob is not None:
            photo = BufferedInputFile(blob.data, filename=f"{comment.receipt}-{number}.jpg")
        elif comment.channel == channel:
            photo = attachment.file_id
        else:
            # A Telegram file id means nothing to Zalo, nor the other way round.
            missing += 1
            continue
        caption = _("📷 {code}: photo {number} of {count}").format(
            code=comment.receipt, number=number, count=len(photos)
        )
        try:
            await message.answer_photo(photo, caption=caption)
        except TelegramAPIError:
            # A file the messenger no longer keeps, or no public address to link a file on Zalo.
            missing += 1
    if missing:
        await message.answer(
            _(
                "{count} photo(s) of {code} cannot be shown here: they were sent on another "
                "messenger, or it no longer keeps them."
            ).format(count=missing, code=comment.receipt)
        )
