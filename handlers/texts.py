"""Texts assembled from several parts: questions, hints, the summary and the receipt."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from handlers.format import moment, period_span, thousands
from storage.forms import FieldKind, FieldSpec, FormSpec, InvalidValue
from storage.models import Campaign, Period, Unit
from storage.reports import Filed

SUMMARY_CUT = 300


def question(spec: FieldSpec, number: int, total: int, locale: str, *, current: Any = None) -> str:
    """A question; ``current``: the answer given before, when it is asked again to change it."""
    lines = [
        _("Question {number}/{total}").format(number=number, total=total),
        f"<b>{escape(spec.text('prompt', locale))}</b>",
    ]
    if current is not None and current not in ("", []):
        lines.append(_("Now: {value}").format(value=render_value(spec, current, locale)))
    if spec.kind is FieldKind.COUNT:
        lines.append(_("Type a number, for example 12."))
    if spec.optional:
        lines.append(_("If there is nothing to add, press «Skip»."))
    return "\n".join(lines)


def hint(error: InvalidValue) -> str:
    details: dict[str, Any] = error.details
    hints = {
        "empty": _("The answer is empty. Please type it again."),
        "too_long": _(
            "The answer has {length} characters; the limit is {limit}. "
            "Please shorten it or keep the main points."
        ),
        "negative": _("A count cannot be negative. Please type 0 or more, for example 12."),
        "not_a_number": _("I could not read that number. Please type digits, e.g. 12 or 1.200."),
        "too_big": _("That number is unusually large (over 1.000.000). Please check it."),
        "use_buttons": _("Please answer this question with the buttons below."),
        "not_text": _(
            "This question needs a text or number answer; photos and stickers cannot be used here."
        ),
    }
    return hints[error.reason].format(**{k: _number(v) for k, v in details.items()})


def _number(value: Any) -> Any:
    # Vietnamese groups thousands with a dot: 1.000.000
    return thousands(value) if isinstance(value, int) else value


def render_value(spec: FieldSpec, value: Any, locale: str) -> str:
    """An answer as the chat shows it (HTML, a long text cut)."""
    return escape(value_text(spec, value, locale, cut=SUMMARY_CUT))


def value_text(spec: FieldSpec, value: Any, locale: str, *, cut: int | None = None) -> str:
    """An answer as people read it, plain text: ``1.200``, the choices' labels, the text
    (cut to ``cut`` characters); «—» for none. The chat's summary and the desk share it."""
    if value is None or value in ("", []):
        return "—"
    if spec.kind is FieldKind.COUNT:
        return str(_number(int(value)))
    if spec.kind is FieldKind.CHOICES:
        labels = {c.key: c.label.get(locale) or c.label["vi"] for c in spec.choices}
        return ", ".join(labels.get(key, key) for key in value)
    text = str(value)
    return text if cut is None or len(text) <= cut else text[:cut] + "…"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def summary(
    form: FormSpec, values: dict[str, Any], unit: Unit, period: Period, tz: str, locale: str
) -> str:
    lines = [
        _("<b>Report of {unit}</b>").format(unit=escape(unit.name)),
        _("Week {span}, deadline {deadline}").format(
            span=period_span(period, tz), deadline=moment(period.deadline_at, tz)
        ),
        "",
    ]
    for index, spec in enumerate(form.fields, start=1):
        value = render_value(spec, values.get(spec.key), locale)
        lines.append(f"{index}. {escape(spec.text('label', locale))}: {value}")
    lines += ["", _("Check the answers, then press «Submit report» or a line to change it.")]
    return "\n".join(lines)


def receipt(filed: Filed, unit: Unit, campaign: Campaign) -> str:
    tz = campaign.timezone
    report, revision, period = filed.report, filed.revision, filed.period
    if filed.first:
        head = _("✅ Report of {unit} received.").format(unit=escape(unit.name))
    else:
        head = _("✅ Report of {unit} updated (revision {number}).").format(
            unit=escape(unit.name), number=revision.number
        )
    status = _("on time") if report.on_time else _("late")
    lines = [
        head,
        _("Receipt: <b>{code}</b>").format(code=report.receipt),
        _("Week: {span} (deadline {deadline})").format(
            span=period_span(period, tz), deadline=moment(period.deadline_at, tz)
        ),
        _("Sent at: {time}").format(time=moment(revision.submitted_at, tz)),
        _("Status: {status}").format(status=status),
    ]
    if filed.late_revision and report.on_time:
        lines.append(
            _(
                "This change came after the deadline, so it is kept as a late revision; "
                "the report filed before the deadline stays on record."
            )
        )
    elif report.on_time:
        lines.append(
            _("You can still change it until {deadline}.").format(
                deadline=moment(period.deadline_at, tz)
            )
        )
    return "\n".join(lines)
