"""A world for web comment tests: the seed's ward with its consultation, and the city above
it running its own with three more wards; web photos as phones take them."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from storage.entries import Entry, Target, entry_for, resolve_entry
from storage.models import Campaign, Document, Unit
from storage.web_comments import (
    Photo,
    WebComment,
    WebLimits,
    WebSender,
    WebSubmitted,
    submit_web_comment,
)
from tests.chat import at
from tests.seed import TEST_KEY, Seed, city_consultation_of, seed_ward

NOW = at("2025-11-10 09:00")
WARDS = ("Ba Đình", "Ngọc Khánh", "Hoàn Kiếm")
OPINION = "Đề nghị bổ sung giải pháp chuyển đổi số cho tổ dân phố."


def jpeg(color: str = "navy", size: tuple[int, int] = (320, 240)) -> Photo:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return Photo("image/jpeg", out.getvalue())


@dataclass
class World:
    seed: Seed
    city: Unit
    campaign: Campaign  # the city's consultation
    document: Document
    wards: dict[str, Unit]
    cells: list[Unit] = field(default_factory=list)

    async def entry(
        self, session: AsyncSession, ward: str | None = None, *, city: bool = True
    ) -> Entry:
        """The poster of the city's draft printed by ``ward`` (None: campaign-wide), or with
        ``city`` False the seed ward's own consultation (its first document)."""
        target = (
            Target(self.campaign, self.document)
            if city
            else Target(self.seed.campaign, self.seed.documents[0])
        )
        point = await entry_for(
            session=session,
            target=target,
            now=NOW,
            unit=self.wards[ward] if ward else None,
        )
        found = await resolve_entry(session=session, code=point.code)
        assert found is not None
        return found


async def build_world(session: AsyncSession) -> World:
    seed = await seed_ward(session)
    city, wards, campaign = await city_consultation_of(session, seed, WARDS)
    assert campaign.id is not None
    document = Document(campaign_id=campaign.id, code="ltd", title="Dự thảo Luật Thủ đô")
    session.add(document)
    await session.flush()
    return World(seed, city, campaign, document, wards, seed.cells)


async def send(
    session: AsyncSession,
    entry: Entry,
    text: str = OPINION,
    *,
    browser: str = "browser-1",
    address: str = "203.0.113.7",
    now: datetime = NOW,
    limits: WebLimits | None = None,
    **form: Any,
) -> WebSubmitted:
    return await submit_web_comment(
        session=session,
        entry=entry,
        sender=WebSender(browser=browser, address=address),
        comment=WebComment(text=text, **form),
        key=TEST_KEY,
        now=now,
        limits=limits or WebLimits(),
    )
