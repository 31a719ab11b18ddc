"""The words of the scheduler's messages: reminders, escalations, digests, closing summaries.

``NoticeRenderer`` is the ``scheduler.notices.Renderer`` the scheduler is given: it renders a
notice in the recipient's language with the same catalogue and helpers as the handlers.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import ExportReport, PickTarget, UnitStatus
from handlers.fit import fit_items
from handlers.format import moment
from handlers.texts import escape
from scheduler.notices import Completeness, Named, Notice, Reminder, Rendered, Tally
from storage.completeness import NoReminder
from storage.models import Purpose, UnitLevel

# Long lists are cut: a city's escalation must fit one message (Telegram: 4,096 characters).
MAX_LISTED = 25
MAX_TEXT = 3900


# Where the unit's name goes in a reminder's words: a sweep puts the words into a language
# once per campaign and deadline, and only each unit's name (and button) per letter.
_UNIT = "\x00unit\x00"
# The unit id a reminder's button is packed with once, to be replaced by each unit's: a valid
# ``RowId`` (aiogram's ``pack`` runs pydantic, ≈ 4 µs a button), not found in the rest.
_UNIT_ID = 2**31 - 1
# Kinds of reminder words kept per renderer (language × campaign × deadline × kind); a
# long-lived renderer forgets them all past this and starts again.
_KEPT = 256


class ReminderWords(NamedTuple):
    """A reminder in one language with the unit left out: ``text`` holds ``_UNIT`` where the
    unit's name goes; ``button`` is the button's label (None: no button) and ``data`` its
    callback data cut where the unit's id goes (None: pack each)."""

    text: str
    button: str | None
    data: tuple[str, str] | None = None

    def fill(self, notice: Reminder) -> Rendered:
        text = self.text.replace(_UNIT, escape(notice.unit_name))
        if self.button is None:
            return Rendered(text, None)
        if self.data is not None:
            head, tail = self.data
            data = f"{head}{notice.unit_id}{tail}"
        else:
            data = PickTarget(unit_id=notice.unit_id, campaign_id=notice.campaign_id).pack()
        return Rendered(text, one_button(self.button, data))


class NoticeRenderer:
    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n
        self._reminders: dict[tuple[object, ...], ReminderWords] = {}

    def __call__(self, notice: Notice, locale: str | None) -> Rendered:
        if isinstance(notice, Reminder):
            return self._reminder_words(notice, locale).fill(notice)
        with self.i18n.context(), self.i18n.use_locale(self._chosen(locale)):
            return completeness(notice)

    def _chosen(self, locale: str | None) -> str:
        return locale if locale in self.i18n.available_locales else self.i18n.default_locale

    def _reminder_words(self, notice: Reminder, locale: str | None) -> ReminderWords:
        """The words of the reminders that differ from ``notice`` only by their unit: a sweep
        of 100,000 cells says the same thing 100,000 times."""
        key = (
            locale,
            notice.campaign_id,
            notice.campaign_title,
            notice.deadline_at,
            notice.tz,
            notice.manual,
            notice.level,
            notice.final,
        )
        words = self._reminders.get(key)
        if words is None:
            if len(self._reminders) >= _KEPT:
                self._reminders.clear()
            with self.i18n.context(), self.i18n.use_locale(self._chosen(locale)):
                words = reminder_words(notice)
            self._reminders[key] = words
        return words


def reminder(notice: Reminder) -> Rendered:
    """A reminder in the current language."""
    return reminder_words(notice).fill(notice)


def reminder_words(notice: Reminder) -> ReminderWords:
    """A reminder in the current language, the unit's name left out (``ReminderWords``)."""
    values = {
        "unit": _UNIT,
        "campaign": escape(notice.campaign_title),
        "deadline": deadline_text(notice.deadline_at, notice.tz),
    }
    if notice.signs:
        return ReminderWords(signing_reminder(notice).format(**values), None)
    if notice.manual:
        text = _(
            "📣 Your ward asks you to file the weekly report of {unit} "
            "(«{campaign}»). Deadline: <b>{deadline}</b>."
        )
    else:
        text = _(
            "⏰ Reminder: {unit} has not filed its weekly report yet (campaign «{campaign}»). "
            "Deadline: <b>{deadline}</b>."
        )
    packed = PickTarget(unit_id=_UNIT_ID, campaign_id=notice.campaign_id).pack()
    cut = packed.split(str(_UNIT_ID))
    data = (cut[0], cut[1]) if len(cut) == 2 else None
    return ReminderWords(text.format(**values), _("📝 File the report"), data)


def signing_reminder(notice: Reminder) -> str:
    """To the officials of a unit that signs its report (a ward, a city): no button, for the
    draft is theirs to open with /report."""
    if notice.final:
        return _(
            "⏰ The final report of {unit} (due <b>{deadline}</b>) has not been signed and sent "
            "yet (campaign «{campaign}»). Type /report to draft and sign it."
        )
    if notice.manual:
        return _(
            "📣 The level above asks {unit} to sign and send its weekly report (campaign "
            "«{campaign}»). Deadline: <b>{deadline}</b>. Type /report to draft and sign it."
        )
    return _(
        "⏰ The weekly report of {unit} (due <b>{deadline}</b>) has not been signed and sent "
        "yet (campaign «{campaign}»). Type /report to draft and sign it."
    )


def one_button(text: str, data: str) -> dict[str, Any]:
    """An inline keyboard as the Bot API takes it; a sweep builds 100,000 of these, and a plain
    dict costs a fifth of aiogram's builder."""
    return {"inline_keyboard": [[_button(text, data)]]}


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


@lru_cache(maxsize=256)
def _moment(value: datetime, tz: str, locale: str) -> str:
    return moment(value, tz)


def deadline_text(value: datetime, tz: str) -> str:
    """``moment`` remembered per language: every reminder of a sweep states the same deadline."""
    return _moment(value, tz, get_i18n().current_locale)


def noun(level: UnitLevel) -> str:
    nouns = {
        UnitLevel.CELL: _("cells"),
        UnitLevel.WARD: _("wards"),
        UnitLevel.DISTRICT: _("districts"),
        UnitLevel.CITY: _("cities"),
        UnitLevel.PROVINCE: _("provinces"),
    }
    return nouns[level]


def tally_line(tally: Tally, level: UnitLevel) -> str:
    if level is not UnitLevel.CELL:  # units above cells sign their reports
        text = _("{on_time}/{expected} {noun} signed on time, {late} late, {missing} not signed.")
    else:
        text = _("{on_time}/{expected} {noun} reported on time, {late} late, {missing} not filed.")
    return text.format(
        on_time=tally.on_time,
        expected=tally.expected,
        noun=noun(level),
        late=tally.late,
        missing=tally.missing,
    )


def short_tally(tally: Tally) -> str:
    return _("{on_time}/{expected} on time, {late} late, {missing} not filed").format(
        on_time=tally.on_time, expected=tally.expected, late=tally.late, missing=tally.missing
    )


def no_reminder_label(reason: NoReminder | None) -> str:
    """Why a unit that has not filed gets no reminder, as officials read it."""
    if reason is NoReminder.NO_SECRETARY:
        return _("no secretary has joined yet")
    if reason is NoReminder.NO_OFFICIAL:
        return _("no official has joined yet")
    if reason is NoReminder.BLOCKED:
        return _("blocked the bot")
    return _("will be reminded")


def who(unit: Named) -> str:
    if unit.reason in (NoReminder.NO_SECRETARY, NoReminder.NO_OFFICIAL):
        return f"{escape(unit.name)} ({no_reminder_label(unit.reason)})"
    people = ", ".join(
        _("comrade {name} — blocked the bot, got no reminder").format(name=escape(p.name))
        if p.unreachable
        else _("comrade {name}").format(name=escape(p.name))
        for p in unit.holders
    )
    return f"{escape(unit.name)} ({people})"


def bullets(items: list[str]) -> list[str]:
    shown = [f"• {item}" for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        shown.append(_("… and {count} more").format(count=len(items) - MAX_LISTED))
    return shown


def listing(names: list[str]) -> str:
    """Names on one line, cut like ``bullets``: a city may have hundreds of units to name."""
    shown = ", ".join(escape(name) for name in names[:MAX_LISTED])
    if len(names) > MAX_LISTED:
        shown += " " + _("… and {count} more").format(count=len(names) - MAX_LISTED)
    return shown


def fit(lines: list[str]) -> str:
    """Within one Telegram message, cut between whole lines (each line is complete HTML)."""
    return fit_items([], lines, limit=MAX_TEXT)


def headline(notice: Completeness) -> str:
    values = {
        "unit": escape(notice.unit_name),
        "campaign": escape(notice.campaign_title),
        "deadline": moment(notice.deadline_at, notice.tz) if notice.deadline_at else "",
        "weeks": notice.periods,
    }
    if notice.live:
        text = _("📊 <b>{unit}</b> — reports due {deadline}, so far («{campaign}»)")
    elif notice.purpose is Purpose.ESCALATION and notice.final_report:
        text = _("🔔 <b>{unit}</b> — the final reports were due {deadline} («{campaign}»)")
    elif notice.purpose is Purpose.ESCALATION:
        text = _("🔔 <b>{unit}</b> — the deadline {deadline} has passed («{campaign}»)")
    elif notice.purpose is Purpose.DIGEST:
        text = _("🗓 <b>{unit}</b> — weekly digest, reports due {deadline} («{campaign}»)")
    else:
        text = _("🏁 <b>{unit}</b> — the campaign «{campaign}» is closed ({weeks} weeks)")
    return text.format(**values)


def completeness(notice: Completeness) -> Rendered:
    lines = [headline(notice)]
    if notice.purpose is Purpose.FINAL:
        lines.append(
            _(
                "Weekly reports: {on_time}/{expected} on time, {late} late, {missing} missed."
            ).format(
                on_time=notice.tally.on_time,
                expected=notice.tally.expected,
                late=notice.tally.late,
                missing=notice.tally.missing,
            )
        )
    else:
        lines.append(tally_line(notice.tally, notice.level))
    if notice.missing:
        lines.append(_("Not signed:") if notice.level is not UnitLevel.CELL else _("Not filed:"))
        lines += bullets([who(unit) for unit in notice.missing])
    if notice.late and notice.purpose is not Purpose.ESCALATION:
        lines.append(_("Filed late:"))
        lines += bullets([escape(unit.name) for unit in notice.late])
    if notice.groups:
        lines.append(_("By unit:"))
        lines += bullets([f"{escape(name)}: {short_tally(t)}" for name, t in notice.groups])
    text = fit(lines)
    rows: list[list[dict[str, str]]] = []
    if notice.period_id is not None and not notice.live:
        details = UnitStatus(unit_id=notice.unit_id, period_id=notice.period_id)
        rows.append([_button(_("📋 See the details"), details.pack())])
    if notice.campaign_id is not None and not notice.live:
        report = ExportReport(
            unit_id=notice.unit_id,
            campaign_id=notice.campaign_id,
            # A final report's letter is the whole campaign's (0), as the closing summary's.
            period_id=0 if notice.final_report else notice.period_id or 0,
            fmt="docx",
        )
        rows.append([_button(_("📥 Consolidated report (DOCX)"), report.pack())])
    return Rendered(text, {"inline_keyboard": rows} if rows else None)
