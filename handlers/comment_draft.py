"""The typed FSM data of a comment being written."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from aiogram.fsm.context import FSMContext
from pydantic import BaseModel, Field

from storage.comments import Attachment, Details, Identity
from storage.models import AuthorCategory, Stance

KEY = "comment_draft"
MAX_ATTACHMENTS = 10


class Question(StrEnum):
    """The one-tap questions after the words, in the order they are asked."""

    STANCE = "stance"
    CATEGORY = "category"
    PLACE = "place"


class DraftFile(BaseModel):
    kind: str
    file_id: str
    file_unique_id: str


class CommentDraft(BaseModel):
    # Where the FSM data keeps it (a subclass for another flow keeps its own).
    key: ClassVar[str] = KEY

    campaign_id: int
    document_id: int | None = None
    section_id: int | None = None
    text: str = ""
    files: list[DraftFile] = Field(default_factory=list)
    anonymous: bool = True
    name: str | None = None
    phone: str | None = None
    # Where it counts (the poster's unit, or the ward the person chose); None: not known.
    unit_id: int | None = None
    place: str | None = None  # the name of unit_id's place, for the summary
    from_poster: bool = False  # unit_id is the poster's, not the person's answer
    stance: Stance | None = None
    category: AuthorCategory | None = None
    # The questions answered or skipped (a draft kept from before they existed has none).
    answered: list[Question] = Field(default_factory=list)
    # The album whose first photo was acknowledged: its other photos are taken silently.
    album: str | None = None

    @property
    def empty(self) -> bool:
        return not self.text and not self.files

    @property
    def photos(self) -> int:
        return sum(1 for f in self.files if f.kind == "photo")

    def pending(self) -> Question | None:
        """The first question not answered yet; None when all are."""
        return next((q for q in Question if q not in self.answered), None)

    def answer(self, question: Question) -> None:
        if question not in self.answered:
            self.answered.append(question)

    def follow(self, unit_id: int | None, place: str | None) -> bool:
        """Count the comment where the poster just scanned says (its unit), or, for a
        campaign-wide code after a ward's poster, ask the place again; True if it changed."""
        if unit_id is not None:
            changed = not self.from_poster or self.unit_id != unit_id
            self.unit_id, self.place, self.from_poster = unit_id, place, True
            self.answer(Question.PLACE)
            return changed
        if not self.from_poster:
            return False  # the person's own answer (or nothing yet) stays
        self.unit_id, self.place, self.from_poster = None, None, False
        self.answered = [q for q in self.answered if q is not Question.PLACE]
        return True

    def attachments(self) -> list[Attachment]:
        return [Attachment(f.kind, f.file_id, f.file_unique_id) for f in self.files]

    def identity(self) -> Identity:
        if self.anonymous:
            return Identity()
        return Identity(anonymous=False, name=self.name, phone=self.phone)

    def details(self) -> Details:
        return Details(unit_id=self.unit_id, stance=self.stance, category=self.category)

    @classmethod
    async def load(cls, state: FSMContext) -> Self | None:
        raw = (await state.get_data()).get(cls.key)
        return cls.model_validate(raw) if raw else None

    async def save(self, state: FSMContext) -> None:
        await state.update_data({self.key: self.model_dump(mode="json")})
