"""Texts of a unit's own report: where its units stand, the summary to sign, the receipt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.utils.i18n import gettext as _

from handlers.format import moment, period_span, thousands
from handlers.texts import escape, render_value
from services.consolidated import Consolidated
from storage.forms import FieldKind, FormSpec
from storage.models import Campaign, Period, Unit
from storage.reports import Filed

NAMES_SHOWN = 10


def period_line(period: Period, tz: str) -> str:
    if period.final:
        return _("Final report, due {deadline}").format(deadline=moment(period.deadline_at, tz))
    return _("Week {span}, deadline {deadline}").format(
        span=period_span(period, tz), deadline=moment(period.deadline_at, tz)
    )


def standing(
    report: Consolidated, locale: str, *, mark: Callable[[str], str] = escape
) -> list[str]:
    """What the units below had filed by now: how many, who not, and their figures.
    ``mark`` makes a name safe where it goes: HTML-escaped for the chat (the default), as it
    is for the desk's page (its template escapes)."""
    tz = report.campaign.timezone
    filed = report.on_time + report.late
    if not filed:
        lines = [
            _(
                "None of the {expected} units below has reported yet. You may still sign; "
                "the report will say so."
            ).format(expected=report.expected)
        ]
    else:
        lines = [
            _("Units below: {filed}/{expected} reported ({on_time} on time, {late} late).").format(
                filed=filed, expected=report.expected, on_time=report.on_time, late=report.late
            )
        ]
    missing = [m.filing.name for m in report.missing_units()]
    if missing and filed:
        names = ", ".join(mark(n) for n in missing[:NAMES_SHOWN])
        if len(missing) > NAMES_SHOWN:
            names += " " + _("and {count} more").format(count=len(missing) - NAMES_SHOWN)
        lines.append(_("Not reported yet: {names}.").format(names=names))
    came = [f for f in report.arrived_after_signing if f.submitted_at is not None]
    if came:
        names = ", ".join(
            f"{mark(f.name)} ({moment(f.submitted_at, tz)})"
            for f in came[:NAMES_SHOWN]
            if f.submitted_at is not None
        )
        lines.append(
            _(
                "Last week's reports that came after you signed (named in this report): {names}."
            ).format(names=names)
        )
    if filed:
        lines.append(_("Their figures as of {time}:").format(time=moment(report.as_of, tz)))
        lines += _counts(report, report.children_totals, locale, mark)
    return lines


def _counts(
    report: Consolidated,
    counts: dict[str, int],
    locale: str,
    mark: Callable[[str], str] = escape,
) -> list[str]:
    return [
        f"- {mark(spec.text('label', locale))}: {thousands(counts.get(spec.key, 0))}"
        for spec in report.form.fields
        if spec.kind is FieldKind.COUNT
    ]


def opening(report: Consolidated, period: Period, questions: int, locale: str) -> str:
    lines = [
        _("<b>Report of {unit}</b>").format(unit=escape(report.unit.name)),
        period_line(period, report.campaign.timezone),
        "",
        *standing(report, locale),
        "",
        _(
            "Now {count} questions about your unit's own work, then the assessment; "
            "/back returns to the previous one, /cancel stops."
        ).format(count=questions),
    ]
    return "\n".join(lines)


def review(
    report: Consolidated, period: Period, form: FormSpec, values: dict[str, Any], locale: str
) -> str:
    lines = [
        _("<b>Report of {unit}</b>").format(unit=escape(report.unit.name)),
        period_line(period, report.campaign.timezone),
        "",
        *standing(report, locale),
        "",
        _("<b>Your unit's own work</b>"),
    ]
    for index, spec in enumerate(form.fields, start=1):
        value = render_value(spec, values.get(spec.key), locale)
        lines.append(f"{index}. {escape(spec.text('label', locale))}: {value}")
    if any(report.own_weekly.values()):
        lines += [
            "",
            _("Your unit's own work as signed week by week (included in the totals):"),
            *_counts(report, report.own_weekly, locale),
        ]
    lines += [
        "",
        _("<b>Totals</b> (units below and your own):"),
        *_counts(report, report.totals, locale),
        "",
        _("Check it, then press «Sign and send», or a line to change it."),
    ]
    return "\n".join(lines)


def signed_receipt(filed: Filed, unit: Unit, campaign: Campaign, sent_to: str | None) -> str:
    tz = campaign.timezone
    record, revision, period = filed.report, filed.revision, filed.period
    if filed.first:
        head = _("✅ Report of {unit} signed and sent.")
    else:
        head = _("✅ Report of {unit} signed again (revision {number}).")
    lines = [
        head.format(unit=escape(unit.name), number=revision.number),
        _("Receipt: <b>{code}</b>").format(code=record.receipt),
        period_line(period, tz),
        _("Signed at: {time}").format(time=moment(revision.submitted_at, tz)),
        _("Status: {status}").format(status=_("on time") if record.on_time else _("late")),
    ]
    if sent_to:
        lines.append(_("The letter goes by e-mail to {address}.").format(address=escape(sent_to)))
    if filed.late_revision:
        lines.append(_("This signature came after the deadline; it is kept as a late revision."))
    elif record.on_time:
        lines.append(
            _("You can sign again with changes until {deadline}.").format(
                deadline=moment(period.deadline_at, tz)
            )
        )
    return "\n".join(lines)


def taken(report_revisions: int) -> str:
    return _(
        "Someone else signed this report while you were filling it in (it now has "
        "{count} signed versions). Nothing of yours was stored: send /report to see the "
        "latest and sign again if needed."
    ).format(count=report_revisions)
