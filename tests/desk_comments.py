"""Comments for the desk's tests, stored as the chat and the web form store them (their
receipt, their folded search text, their photos), placed where a test wants them."""

from __future__ import annotations

import hashlib
import io
import itertools
from dataclasses import dataclass
from datetime import datetime

from PIL import Image
from sqlalchemy import update
from sqlmodel import col

from storage.comments import insert_comment
from storage.models import (
    AttachmentBlob,
    AuthorCategory,
    Campaign,
    Comment,
    CommentAttachment,
    CommentMedium,
    CommentStatus,
    CommentTheme,
    Document,
    Person,
    Section,
    Stance,
    Unit,
)
from storage.places import fold
from storage.web_comments import WEB
from tests.desk_world import DeskWorld

_numbers = itertools.count(1)


def jpeg(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class Writer:
    """Adds comments to the desk world's database."""

    world: DeskWorld

    async def add(
        self,
        text: str,
        *,
        campaign: Campaign | None = None,
        unit: Unit | None = None,
        at: datetime | None = None,
        document: Document | None = None,
        section: Section | None = None,
        stance: Stance | None = None,
        category: AuthorCategory | None = None,
        status: CommentStatus = CommentStatus.RECEIVED,
        medium: CommentMedium = CommentMedium.CHAT,
        author: Person | None = None,
        name: str | None = None,
        chat_photos: int = 0,
        web_photos: int = 0,
        theme_id: int | None = None,
    ) -> Comment:
        """A comment (anonymous unless ``author`` or ``name``), by default on the seed's
        campaign, at its ward, sent now."""
        world = self.world
        campaign = campaign or world.seed.campaign
        web = medium is CommentMedium.WEB
        named = author is not None or name is not None
        n = next(_numbers)
        values = {
            "campaign_id": campaign.id,
            "document_id": (section and section.document_id) or (document and document.id),
            "section_id": section.id if section else None,
            "person_id": author.id if author is not None else None,
            "author_key": None if named else hashlib.sha256(f"k{n}".encode()).hexdigest(),
            "text": text,
            "search_text": fold(text),
            "anonymous": not named,
            "author_name": (name or (author.full_name if author else None)) if named else None,
            "phone": "0912345678" if named else None,
            "channel": WEB if web else "telegram",
            "fingerprint": hashlib.sha256(f"{text}{n}".encode()).hexdigest(),
            "created_at": at or world.clock.now(),
            "status": status,
            "unit_id": (unit or world.seed.ward).id,
            "stance": stance,
            "category": category,
            "medium": medium,
            "theme_id": theme_id,
        }
        async with world.runtime.db.sessions() as session:
            comment = await insert_comment(session, values)
            assert comment.id is not None
            for position in range(chat_photos + web_photos):
                kept = position >= chat_photos
                attachment = CommentAttachment(
                    comment_id=comment.id,
                    kind="photo",
                    file_id=f"web:{n}-{position}" if kept else f"tg-{n}-{position}",
                    file_unique_id=f"u{n}-{position}",
                    position=position,
                )
                session.add(attachment)
                await session.flush()
                if kept:
                    assert attachment.id is not None
                    session.add(
                        AttachmentBlob(
                            attachment_id=attachment.id,
                            content_type="image/jpeg",
                            data=jpeg(),
                        )
                    )
            await session.commit()
            await session.refresh(comment)
        return comment

    async def get(self, comment: Comment) -> Comment:
        """The comment as stored now."""
        async with self.world.runtime.db.sessions() as session:
            found = await session.get(Comment, comment.id)
            assert found is not None
            return found

    async def theme(
        self,
        label: str,
        *,
        campaign: Campaign | None = None,
        section: Section | None = None,
        members: tuple[Comment, ...] = (),
    ) -> CommentTheme:
        """A group of opinions of ``section`` (None: the campaign as a whole), as grouping
        found it, holding ``members``."""
        world = self.world
        campaign = campaign or world.seed.campaign
        assert campaign.id is not None
        async with world.runtime.db.sessions() as session:
            theme = CommentTheme(
                campaign_id=campaign.id,
                document_id=section.document_id if section else None,
                section_id=section.id if section else None,
                label=label,
                created_at=world.clock.now(),
                updated_at=world.clock.now(),
            )
            session.add(theme)
            await session.flush()
            for member in members:
                await session.execute(
                    update(Comment).where(col(Comment.id) == member.id).values(theme_id=theme.id)
                )
            await session.commit()
            await session.refresh(theme)
        return theme

    async def get_theme(self, theme: CommentTheme) -> CommentTheme:
        async with self.world.runtime.db.sessions() as session:
            found = await session.get(CommentTheme, theme.id)
            assert found is not None
            return found
