"""Whether an official's answer has reached the comment's author: its outbox letter was sent."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import CommentReply, Outbox, OutboxStatus


def reply_key(reply_id: int) -> str:
    """The outbox key of the letter that carries an answer (one per reply)."""
    return f"reply:{reply_id}"


async def delivered_replies(*, session: AsyncSession, comment_ids: Sequence[int]) -> set[int]:
    """Of ``comment_ids``, those with an answer delivered to the author. An answer waiting for
    the morning (quiet hours) or a retry is not delivered yet."""
    if not comment_ids:
        return set()
    replies = await session.execute(
        select(CommentReply.id, CommentReply.comment_id).where(
            col(CommentReply.comment_id).in_(comment_ids)
        )
    )
    by_key = {reply_key(r_id): c_id for r_id, c_id in replies.all() if r_id is not None}
    if not by_key:
        return set()
    sent = await session.execute(
        select(Outbox.key).where(
            col(Outbox.key).in_(list(by_key)), Outbox.status == OutboxStatus.SENT
        )
    )
    return {by_key[key] for key in sent.scalars().all()}
