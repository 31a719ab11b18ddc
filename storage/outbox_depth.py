"""How deep the outbox is: pending messages and the oldest one's queueing time (for /metrics)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Outbox, OutboxStatus


async def pending_depth(*, session: AsyncSession) -> tuple[int, datetime | None]:
    """The number of pending messages and the earliest ``created_at`` among them.

    One statement over ``ix_outbox_due`` (status first): sent rows, however many, are not read.
    """
    row = (
        await session.execute(
            select(func.count(), func.min(col(Outbox.created_at))).where(
                col(Outbox.status) == OutboxStatus.PENDING
            )
        )
    ).one()
    return int(row[0]), row[1]
