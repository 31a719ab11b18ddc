"""``gopy mail list`` and ``gopy mail retry``: the e-mails of signed reports, and a failed one
sent again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli_i18n import _
from bot.cli_support import with_session
from bot.config import Settings
from scheduler.clock import SystemClock
from storage.mail_outbox import recent_mails, retry_mail
from storage.models import MailOutbox, MailStatus


def state_label(state: MailStatus) -> str:
    labels = {
        MailStatus.PENDING: _("mail:pending"),
        MailStatus.SENT: _("mail:sent"),
        MailStatus.FAILED: _("mail:failed"),
    }
    return labels[state]


def _local(moment: datetime | None, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%H:%M %d/%m/%Y") if moment else ""


async def print_mails(settings: Settings, *, limit: int) -> None:
    found = await with_session(lambda session: recent_mails(session=session, limit=limit))
    console = Console()
    if not found:
        console.print(_("No e-mail has been queued."))
        return
    table = Table(title=_("E-mails of signed reports"), title_justify="left")
    for column in (_("No."), _("State"), _("To"), _("Subject"), _("Attempts"), _("Queued")):
        table.add_column(column)
    table.add_column(_("Sent or reason"), overflow="fold")
    tz = settings.timezone
    for mail in found:
        outcome = _local(mail.sent_at, tz) if mail.status == MailStatus.SENT else mail.last_error
        table.add_row(
            str(mail.id),
            state_label(mail.status),
            mail.to_address,
            mail.subject,
            str(mail.attempts),
            _local(mail.created_at, tz),
            outcome or "",
        )
    console.print(table)
    if settings.mail.smtp() is None and any(m.status == MailStatus.PENDING for m in found):
        console.print(_("GOPY_SMTP_URL is not set: queued e-mails wait until it is."))


async def retry(number: int) -> str:
    """Queue failed e-mail ``number`` again; the sentence to print. ValueError if it cannot."""

    async def change(session: AsyncSession) -> str:
        mail = await session.get(MailOutbox, number)
        if mail is None:
            raise ValueError(_("There is no e-mail number {number}.", number=number))
        if not await retry_mail(session=session, mail_id=number, now=SystemClock().now()):
            raise ValueError(
                _(
                    "E-mail {number} is {state}: only a failed e-mail is sent again.",
                    number=number,
                    state=state_label(mail.status),
                )
            )
        return _("E-mail {number} to {to} is queued again.", number=number, to=mail.to_address)

    return await with_session(change)
