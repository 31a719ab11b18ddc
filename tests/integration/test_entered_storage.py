"""Storing comments that officials entered from a file (``storage.entered``), on SQLite and
PostgreSQL: many rows at once, each once, even when receipt codes collide."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

import storage.entered
from storage.entered import IMPORTED, ImportedRow, Received, received_at, store_imported
from storage.entries import Target
from storage.models import Comment, CommentMedium
from tests.seed import seed_ward


async def count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Comment))).scalar_one())


async def test_a_thousand_rows_are_stored_once_even_imported_twice(session: AsyncSession) -> None:
    seed = await seed_ward(session)
    target = Target(seed.campaign, seed.documents[0], seed.sections[1])
    day = seed.campaign.starts_at.astimezone(ZoneInfo(seed.campaign.timezone)).date()
    cell = seed.cells[0].id
    assert cell is not None
    rows = [
        ImportedRow(
            line=n + 2,
            target=target,
            received=Received(unit_id=cell, medium=CommentMedium.MEETING, text=f"Ý kiến {n}"),
            day=day,
        )
        for n in range(1200)
    ]
    tally = await store_imported(session=session, rows=rows, entered_by=None)
    assert tally.stored == {(cell, CommentMedium.MEETING): 1200} and tally.already == 0
    again = await store_imported(session=session, rows=rows, entered_by=None)
    assert sum(again.stored.values()) == 0 and again.already == 1200
    assert await count(session) == 1200
    stored = (
        await session.execute(select(Comment).order_by(col(Comment.id)).limit(1))
    ).scalar_one()
    assert stored.channel == IMPORTED and stored.unit_id == cell and stored.anonymous
    assert stored.section_id == seed.sections[1].id
    assert stored.created_at == received_at(target, day)


async def test_a_taken_receipt_code_is_drawn_again(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = await seed_ward(session)
    ward = seed.ward.id
    assert ward is not None
    day = date(2025, 11, 12)

    def row(text: str) -> ImportedRow:
        received = Received(unit_id=ward, medium=CommentMedium.LETTER, text=text)
        return ImportedRow(2, Target(seed.campaign), received, day)

    await store_imported(session=session, rows=[row("Thư thứ nhất")], entered_by=None)
    (taken,) = (await session.execute(select(col(Comment.receipt)))).scalars().all()
    # The next codes drawn: the taken one, then the same again (a twin in the batch), then free.
    codes = iter([taken, taken, "YK-AAAAAA", "YK-BBBBBB"])
    monkeypatch.setattr(storage.entered, "new_receipt", lambda: next(codes))
    tally = await store_imported(
        session=session, rows=[row("Thư thứ hai"), row("Thư thứ ba")], entered_by=None
    )
    assert sum(tally.stored.values()) == 2
    receipts = set((await session.execute(select(col(Comment.receipt)))).scalars().all())
    assert receipts == {taken, "YK-AAAAAA", "YK-BBBBBB"}
