"""The typed FSM data of a report being filled in."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from pydantic import BaseModel, Field

KEY = "report_draft"


class ReportDraft(BaseModel):
    unit_id: int
    campaign_id: int
    period_id: int
    form_id: int
    index: int = 0
    values: dict[str, Any] = Field(default_factory=dict)
    # Buttons ticked so far on a multiple-choice question.
    selected: list[str] = Field(default_factory=list)
    # Set when the person came from the summary to change one answer.
    editing_one: bool = False
    amending: bool = False
    # A unit's own report that its official signs («Ký và gửi»), not a cell's filing;
    # ``seen``: the revisions it had when opened (a signature made meanwhile wins).
    signing: bool = False
    seen: int = 0

    @classmethod
    async def load(cls, state: FSMContext) -> ReportDraft | None:
        raw = (await state.get_data()).get(KEY)
        return cls.model_validate(raw) if raw else None

    async def save(self, state: FSMContext) -> None:
        await state.update_data({KEY: self.model_dump(mode="json")})
