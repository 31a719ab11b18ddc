"""A unit filed after the unit above had signed: its officials are told, in their language,
through the outbox (held in quiet hours, sent once), queued with the filing itself."""

from __future__ import annotations

from datetime import datetime

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.format import moment, period_span
from handlers.texts import escape
from scheduler.sweeps import Defaults, rules_of, timing
from services.signing import SignedAbove, signed_above
from storage.completeness import officials_of
from storage.models import Campaign, Purpose, Unit
from storage.outbox import Letter
from storage.reports import Filed


async def late_filing_letters(
    *,
    session: AsyncSession,
    i18n: I18n,
    unit: Unit,
    campaign: Campaign,
    filed: Filed,
    defaults: Defaults,
    now: datetime,
) -> list[Letter]:
    above = await signed_above(session=session, unit=unit, campaign=campaign, period=filed.period)
    if above is None or filed.repeated:
        return []
    assert above.parent.id is not None and filed.revision.id is not None
    holders = (await officials_of(session=session, unit_ids=[above.parent.id])).get(
        above.parent.id, []
    )
    when = timing(await rules_of(session=session, campaign=campaign, defaults=defaults), now)
    letters = []
    for holder in holders:
        if holder.unreachable:
            continue
        known = holder.locale in i18n.available_locales
        with i18n.use_locale(holder.locale if holder.locale and known else i18n.default_locale):
            text = _text(above, unit, campaign, filed, now)
        letters.append(
            Letter(
                key=f"late_filing:{filed.revision.id}:{holder.person_id}",
                purpose=Purpose.LATE_FILING,
                person_id=holder.person_id,
                channel=holder.channel,
                chat_id=holder.chat_id,
                text=text,
                markup=None,
                not_before=when.not_before,
                quiet_hours=when.quiet_hours,
                timezone=when.timezone,
                about=unit.name,
            )
        )
    return letters


def _text(above: SignedAbove, unit: Unit, campaign: Campaign, filed: Filed, now: datetime) -> str:
    tz = campaign.timezone
    lines = [
        _(
            "📌 {unit} sent its report for the week {span} at {time}, after you signed the "
            "report of {parent} ({signed}). The signed report does not include it."
        ).format(
            unit=escape(unit.name),
            span=period_span(filed.period, tz),
            time=moment(filed.revision.submitted_at, tz),
            parent=escape(above.parent.name),
            signed=moment(above.revision.submitted_at, tz),
        )
    ]
    if now <= above.period.deadline_at:
        lines.append(
            _("You can sign again until {deadline}: send /report.").format(
                deadline=moment(above.period.deadline_at, tz)
            )
        )
    else:
        lines.append(_("It will be shown as a late filing in your next report."))
    return "\n".join(lines)
