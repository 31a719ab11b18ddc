"""«Ký và gửi» on the desk: the unit's own answers on one page, the summary to confirm («Sign
and send this report?»), then the signature, by the chat's rules and functions
(``scheduler.signing``): which periods may be signed now, the unit's own form, the letter and
its e-mail to the office above, and a signature sent twice that stores nothing new.

The pages before the signature write nothing but the periods the chat's flow stores too; the
answers travel in the form from page to page, as the chat keeps them in its draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.desk import paths
from bot.web.desk.guard import DeskCall, DeskRoute, Text
from bot.web.desk.path_ids import db_id
from handlers.format import moment, period_span, thousands
from handlers.signing_texts import standing
from handlers.texts import hint
from scheduler.consolidated import Consolidated
from scheduler.report_export import export_target
from scheduler.reporting import Assignment
from scheduler.signing import (
    draft,
    open_signing,
    own_form,
    repeated_signature,
    sign_and_send,
    signable_periods,
)
from storage.forms import Answers, FieldKind, FieldSpec, FormSpec, InvalidValue, read_answers
from storage.models import Period
from storage.reports import get_report, is_late

CHANNEL = "desk"  # a revision signed here says so, as one signed in chat names its channel

_MAX_SEEN = 1_000_000


@dataclass(frozen=True, slots=True)
class Signing:
    """The report being signed: whose, which period, its questions."""

    item: Assignment
    period: Period
    form: FormSpec


async def _signing(call: DeskCall, session: AsyncSession) -> Signing | web.Response:
    """The report the address names, if the official signs it now; else the page saying no."""
    info = call.request.match_info
    unit_id, campaign_id = db_id(info["unit"]), db_id(info["campaign"])
    period_id = db_id(info["period"])
    if unit_id is None or campaign_id is None or period_id is None:
        return call.not_found()
    now = call.desk.site.clock.now()
    item = await export_target(
        session=session, member=call.member, unit_id=unit_id, campaign_id=campaign_id, now=now
    )
    period = await session.get(Period, period_id)
    if (
        item is None
        or period is None
        or period.campaign_id != item.campaign.id
        or period.level != item.unit.level
    ):
        return call.not_found()
    if not item.signs:
        return refused(
            call,
            lambda: _("Nothing to sign"),
            lambda: _("Your unit signs no report of its own in this campaign."),
        )
    if period.id not in {
        p.id for p in await signable_periods(session=session, item=item, now=now)
    }:
        return refused(
            call,
            lambda: _("This report cannot be signed now"),
            lambda: _(
                "As in chat, you can sign this week's report, last week's while it is not "
                "signed, and the final report once the last week has begun."
            ),
        )
    form = await own_form(session=session, unit=item.unit, campaign=item.campaign)
    return Signing(item, period, form)


def refused(call: DeskCall, title: Text, message: Text, status: int = 409) -> web.Response:
    """A polite page: nothing was changed. The texts are made in the page's language."""
    return call.render(
        "desk/reports_refused.html",
        lambda: {"title": title(), "message": message()},
        nav="reports",
        status=status,
    )


async def sign_page(call: DeskCall) -> web.StreamResponse:
    """The unit's own questions, filled with what it signed last (as ``/report`` reopens a
    signed report), under where its units stand."""
    now = call.desk.site.clock.now()
    async with call.desk.site.db.unit_of_work() as session:
        signing = await _signing(call, session)
        if isinstance(signing, web.Response):
            return signing
        item, period = signing.item, signing.period
        report = await get_report(session=session, period=period, unit=item.unit)
        opened = await open_signing(session=session, report=report)
        preview = await _draft(session, signing, {}, now)
    return _form_page(call, signing, preview, opened.own, opened.seen, {}, now)


async def sign_post(call: DeskCall) -> web.StreamResponse:
    """«Review» (the summary to confirm), «Change» (back to the answers) or «Sign and send»."""
    action = call.form.text("action")
    seen = _seen(call.form.text("seen"))
    if action not in ("review", "edit", "sign") or seen is None:
        return call.bad_form(lambda: _("Please go back, reload the page and try again."))
    now = call.desk.site.clock.now()
    session = call.session
    signing = await _signing(call, session)
    if isinstance(signing, web.Response):
        return signing
    answers = _answers(call, signing.form)
    if action == "edit" or answers.problems:
        preview = await _draft(session, signing, {}, now)
        status = 400 if answers.problems and action != "edit" else 200
        return _form_page(
            call, signing, preview, answers.values, seen, answers.problems, now, status
        )
    if action == "review":
        preview = await _draft(session, signing, answers.values, now)
        return _review_page(call, signing, preview, answers.values, seen, now)
    item = signing.item
    signed = await sign_and_send(
        session=session,
        item=item,
        period=signing.period,
        own=answers.values,
        form=signing.form,
        person=call.member.person,
        seen=seen,
        now=now,
        files=call.desk.files,
        channel=CHANNEL,
    )
    if signed is None:
        return await _not_signed(call, session, signing, answers.values)
    call.after_commit(call.desk.outreach.wake_mail)
    return call.redirect(paths.REPORTS, signed=signed.filed.report.receipt)


async def _not_signed(
    call: DeskCall, session: AsyncSession, signing: Signing, own: dict[str, Any]
) -> web.Response:
    """Someone signed since the page was opened, or this very signature was sent again:
    nothing is stored, and the official is told which (as in chat)."""
    item, period = signing.item, signing.period
    stored = await get_report(session=session, period=period, unit=item.unit)
    tz = item.campaign.timezone
    if stored is not None:
        revision = await repeated_signature(
            session=session, report=stored, person=call.member.person, own=own
        )
        if revision is not None:
            receipt = stored.receipt
            return refused(
                call,
                lambda: _("Already signed"),
                lambda: _(
                    "You signed this report at {time} (version {number}, receipt {code}). "
                    "Nothing was changed."
                ).format(
                    time=moment(revision.submitted_at, tz),
                    number=revision.number,
                    code=receipt,
                ),
            )
    count = stored.revisions if stored is not None else 0
    return refused(
        call,
        lambda: _("Signed meanwhile"),
        lambda: _(
            "Someone else signed this report while you were filling it in (it now has "
            "{count} signed versions). Nothing of yours was stored: open it again to see the "
            "latest and sign again if needed."
        ).format(count=count),
    )


def _seen(text: str) -> int | None:
    """The revisions the report had when its page was opened (0: none yet)."""
    if text == "0":
        return 0
    value = db_id(text)
    return value if value is not None and value <= _MAX_SEEN else None


def field_name(spec: FieldSpec, choice: str | None = None) -> str:
    return f"f.{spec.key}" if choice is None else f"f.{spec.key}.{choice}"


def _answers(call: DeskCall, form: FormSpec) -> Answers:
    def typed(key: str) -> str:
        # A browser sends a textarea's line breaks as CRLF; the chat's answers have LF.
        return call.form.text(f"f.{key}").replace("\r\n", "\n")

    def ticked(key: str, choice: str) -> bool:
        return call.form.text(f"f.{key}.{choice}") == "1"

    return read_answers(form, typed, ticked)


async def _draft(
    session: AsyncSession, signing: Signing, own: dict[str, Any], now: datetime
) -> Consolidated:
    """What would be signed now (``scheduler.signing.draft``, as the chat's summary)."""
    item = signing.item
    return await draft(
        session=session,
        unit=item.unit,
        campaign=item.campaign,
        period=signing.period,
        now=now,
        own=own,
        form=signing.form,
    )


def _form_page(
    call: DeskCall,
    signing: Signing,
    preview: Consolidated,
    values: dict[str, Any],
    seen: int,
    problems: dict[str, InvalidValue],
    now: datetime,
    status: int = 200,
) -> web.Response:
    def context() -> dict[str, object]:
        locale = get_i18n().current_locale
        return {
            **_heading(signing, preview, seen, now),
            "action": call.desk.href(call.request.path),
            "fields": [_field(spec, values, problems, locale) for spec in signing.form.fields],
            "problems": len(problems),
        }

    return call.render("desk/reports_sign.html", context, nav="reports", status=status)


def _review_page(
    call: DeskCall,
    signing: Signing,
    preview: Consolidated,
    values: dict[str, Any],
    seen: int,
    now: datetime,
) -> web.Response:
    def context() -> dict[str, object]:
        locale = get_i18n().current_locale
        counts = [s for s in preview.form.fields if s.kind is FieldKind.COUNT]
        return {
            **_heading(signing, preview, seen, now),
            "action": call.desk.href(call.request.path),
            "answers": [
                (spec.text("label", locale), _shown(spec, values.get(spec.key), locale))
                for spec in signing.form.fields
            ],
            "own_weekly": [
                (s.text("label", locale), thousands(preview.own_weekly.get(s.key, 0)))
                for s in counts
            ]
            if any(preview.own_weekly.values())
            else [],
            "totals": [
                (s.text("label", locale), thousands(preview.totals.get(s.key, 0))) for s in counts
            ],
            "hidden": _hidden(signing.form, values),
            "email": signing.item.unit.report_email,
        }

    return call.render("desk/reports_review.html", context, nav="reports")


def _heading(
    signing: Signing, preview: Consolidated, seen: int, now: datetime
) -> dict[str, object]:
    """What both pages show first: whose report, which period, where the units stand."""
    item, period = signing.item, signing.period
    tz = item.campaign.timezone
    deadline = moment(period.deadline_at, tz)
    if period.final:
        when = _("Final report, due {deadline}").format(deadline=deadline)
    else:
        when = _("Week {span}, deadline {deadline}").format(
            span=period_span(period, tz), deadline=deadline
        )
    notes = []
    if seen and is_late(now, period):
        notes.append(
            _(
                "The deadline {deadline} has passed: signing again now is kept as a late revision."
            ).format(deadline=deadline)
        )
    elif seen:
        notes.append(
            _(
                "You already signed this report. You can change it and sign again until "
                "{deadline}."
            ).format(deadline=deadline)
        )
    elif is_late(now, period):
        notes.append(
            _("The deadline {deadline} has passed: this report will be marked late.").format(
                deadline=deadline
            )
        )
    return {
        "unit": item.unit.name,
        "campaign": item.campaign.title,
        "when": when,
        "notes": notes,
        "standing": standing(preview, get_i18n().current_locale, mark=str),
        "seen": seen,
        "back": paths.REPORTS,
    }


def _field(
    spec: FieldSpec, values: dict[str, Any], problems: dict[str, InvalidValue], locale: str
) -> dict[str, object]:
    value = values.get(spec.key)
    problem = problems.get(spec.key)
    return {
        "name": field_name(spec),
        "kind": spec.kind.value,
        "label": spec.text("label", locale),
        "prompt": web_prompt(spec.text("prompt", locale)),
        "optional": spec.optional,
        "value": "" if value is None or isinstance(value, list) else str(value),
        "choices": [
            (field_name(spec, c.key), c.label.get(locale) or c.label["vi"], c.key in (value or []))
            for c in spec.choices
        ]
        if spec.kind is FieldKind.CHOICES
        else [],
        "problem": _problem(problem) if problem is not None else "",
        "max_length": spec.max_length,
    }


# A sentence that tells a chat's buttons apart: «Xong», «Bỏ qua».
_BUTTONS = re.compile(r"[«»]")
_SENTENCES = re.compile(r"(?<=[.?!])\s+")


def web_prompt(prompt: str) -> str:
    """A question's prompt without what it says about the chat's buttons ("then press
    «Done»"): a page has checkboxes and empty fields instead."""
    kept = [s for s in _SENTENCES.split(prompt) if not _BUTTONS.search(s)]
    return " ".join(kept)


def _problem(problem: InvalidValue) -> str:
    if problem.reason == "pick_one":
        return _("Please pick at least one.")
    return hint(problem)


def _shown(spec: FieldSpec, value: Any, locale: str) -> str:
    if value is None or value in ("", []):
        return "—"
    if spec.kind is FieldKind.COUNT:
        return thousands(int(value))
    if spec.kind is FieldKind.CHOICES:
        labels = {c.key: c.label.get(locale) or c.label["vi"] for c in spec.choices}
        return ", ".join(labels.get(key, key) for key in value)
    return str(value)


def _hidden(form: FormSpec, values: dict[str, Any]) -> list[tuple[str, str]]:
    """The answers as the form's fields, carried to the next page unchanged."""
    found: list[tuple[str, str]] = []
    for spec in form.fields:
        value = values.get(spec.key)
        if spec.kind is FieldKind.CHOICES:
            found += [(field_name(spec, key), "1") for key in value or []]
        elif value is not None:
            found.append((field_name(spec), str(value)))
    return found


def routes() -> list[DeskRoute]:
    return [
        DeskRoute("GET", paths.REPORT_SIGN_ROUTE, sign_page),
        DeskRoute("POST", paths.REPORT_SIGN_ROUTE, sign_post),
    ]
