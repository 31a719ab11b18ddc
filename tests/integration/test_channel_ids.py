"""Zalo's hex ids as stable integers, both ways, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.channel_ids import external_id, local_id
from tests.chat import at

NOW = at("2025-11-10 09:00")
HEX = "6ede9afa66b88fe6d6a9"


async def test_an_id_gets_one_integer_for_ever(session: AsyncSession) -> None:
    first = await local_id(session=session, channel="zalo", external_id=HEX, now=NOW)
    await session.commit()
    again = await local_id(session=session, channel="zalo", external_id=HEX, now=NOW)
    other = await local_id(session=session, channel="zalo", external_id="2d758cb5e2", now=NOW)
    assert first == again != other
    assert await external_id(session=session, channel="zalo", local=first) == HEX
    assert await external_id(session=session, channel="zalo", local=other + 1000) is None


async def test_channels_do_not_share_ids(session: AsyncSession) -> None:
    zalo = await local_id(session=session, channel="zalo", external_id=HEX, now=NOW)
    other = await local_id(session=session, channel="other", external_id=HEX, now=NOW)
    assert zalo != other
    assert await external_id(session=session, channel="other", local=zalo) is None


@pytest.mark.parametrize("bad", ["", "x" * 65])
async def test_empty_or_over_long_ids_are_refused(session: AsyncSession, bad: str) -> None:
    with pytest.raises(ValueError, match="1 to 64"):
        await local_id(session=session, channel="zalo", external_id=bad, now=NOW)
