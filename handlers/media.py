"""Copies of the photos and voice notes sent with comments, in ``GOPY_COMMENTS_MEDIA_DIR``
(a web comment's photos from the bytes gopy keeps).

The messenger keeps the files (by ``file_id``) only as long as it likes; a ward that must keep
handwritten letters on record turns this on. A copy is best effort: the comment is already
stored and acknowledged when it is made.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Comment, CommentAttachment
from storage.web_photos import blob_of, is_web_photo

log = logging.getLogger(__name__)

_SUFFIXES = {"photo": ".jpg", "voice": ".ogg", "document": ""}


async def keep_copies(*, bot: Bot, session: AsyncSession, comment: Comment, folder: Path) -> int:
    """Download the comment's files into ``folder``/<campaign id>/; returns how many."""
    result = await session.execute(
        select(CommentAttachment)
        .where(CommentAttachment.comment_id == comment.id)
        .order_by(col(CommentAttachment.position))
    )
    kept = 0
    for attachment in result.scalars().all():
        name = Path(str(comment.campaign_id)) / f"{comment.receipt}-{attachment.position}"
        try:
            if is_web_photo(attachment.file_id):
                # No messenger has it: gopy keeps the bytes.
                relative = await _copy_blob(session, attachment, folder, name)
            else:
                relative = await _download(bot, attachment, folder, name)
            if relative is None:
                continue
        except (TelegramAPIError, OSError, TimeoutError):
            # The id only: file names and captions may hold personal data.
            log.warning("could not keep a copy of an attachment of comment %s", comment.id)
            continue
        attachment.media_path = relative.as_posix()
        session.add(attachment)
        kept += 1
    if kept:
        await session.commit()
    return kept


async def _download(
    bot: Bot, attachment: CommentAttachment, folder: Path, name: Path
) -> Path | None:
    file = await bot.get_file(attachment.file_id)
    if not file.file_path:
        return None
    # The messenger's own name says the real type ("photos/file_3.jpg").
    suffix = PurePosixPath(file.file_path).suffix or _SUFFIXES.get(attachment.kind, "")
    relative = name.with_suffix(suffix) if suffix else name
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    await bot.download_file(file.file_path, destination=target)
    return relative


async def _copy_blob(
    session: AsyncSession, attachment: CommentAttachment, folder: Path, name: Path
) -> Path | None:
    assert attachment.id is not None
    blob = await blob_of(session=session, attachment_id=attachment.id)
    if blob is None:
        return None
    relative = name.with_suffix(".jpg")
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(blob.data)
    return relative
