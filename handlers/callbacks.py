"""Callback data of inline buttons, as typed classes (never hand-built strings)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class Nav(StrEnum):
    BACK = "back"
    SKIP = "skip"
    DONE = "done"
    CANCEL = "cancel"
    SUBMIT = "submit"


class PickTarget(CallbackData, prefix="tg"):
    unit_id: int
    campaign_id: int


class PickPeriod(CallbackData, prefix="pd"):
    period_id: int


class FormNav(CallbackData, prefix="fn"):
    action: Nav


class ToggleChoice(CallbackData, prefix="tc"):
    index: int


class EditField(CallbackData, prefix="ef"):
    index: int


class AmendReport(CallbackData, prefix="am"):
    report_id: int


class SetLocale(CallbackData, prefix="lc"):
    locale: str
