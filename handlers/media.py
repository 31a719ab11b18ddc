"""Copies of the photos and voice notes sent with comments, in ``GOPY_COMMENTS_MEDIA_DIR``.

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
        try:
            file = await bot.get_file(attachment.file_id)
            if not file.file_path:
                continue
            # The messenger's own name says the real type ("photos/file_3.jpg").
            suffix = PurePosixPath(file.file_path).suffix or _SUFFIXES.get(attachment.kind, "")
            relative = Path(str(comment.campaign_id)) / f"{comment.receipt}-{attachment.position}"
            relative = relative.with_suffix(suffix) if suffix else relative
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            await bot.download_file(file.file_path, destination=target)
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
