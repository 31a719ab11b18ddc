"""Callback data of inline buttons, as typed classes (never hand-built strings)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Ids as a forged button could carry them: out of range they fail to parse and the button is
# treated as unknown, instead of reaching the database as an overflowing integer.
RowId = Annotated[int, Field(ge=1, lt=2**31)]
Index = Annotated[int, Field(ge=0, lt=100)]


class Nav(StrEnum):
    BACK = "back"
    SKIP = "skip"
    DONE = "done"
    CANCEL = "cancel"
    SUBMIT = "submit"


class PickTarget(CallbackData, prefix="tg"):
    unit_id: RowId
    campaign_id: RowId


class PickPeriod(CallbackData, prefix="pd"):
    period_id: RowId


class FormNav(CallbackData, prefix="fn"):
    action: Nav


class ToggleChoice(CallbackData, prefix="tc"):
    index: Index


class EditField(CallbackData, prefix="ef"):
    index: Index


class AmendReport(CallbackData, prefix="am"):
    report_id: RowId


class SetLocale(CallbackData, prefix="lc"):
    locale: str


class UnitStatus(CallbackData, prefix="us"):
    """The live completeness of an official's unit for one period."""

    unit_id: RowId
    period_id: RowId
