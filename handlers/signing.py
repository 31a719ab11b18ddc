"""«Ký và gửi»: an official signs their unit's own report from the summary, receives the
receipt and the letter as signed."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from handlers import keyboards, signing_texts
from handlers.draft import ReportDraft
from handlers.files import FileMaker
from handlers.replies import Answerable, reply_target
from scheduler.clock import Clock
from services.oversight import Outreach
from services.reporting import Assignment
from services.signing import repeated_signature, sign_and_send
from storage.campaigns import form_by_id
from storage.forms import signing_form
from storage.models import Period, Report
from storage.people import Member
from storage.reports import Filed, get_report
from storage.signed import signed_file
from storage.update_work import UpdateWork, commit_now


async def submit_signed(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    channel: str,
    files: FileMaker,
    outreach: Outreach,
    draft: ReportDraft,
    item: Assignment,
) -> None:
    period = await session.get(Period, draft.period_id)
    assert period is not None
    signed = await sign_and_send(
        session=session,
        item=item,
        period=period,
        own=draft.values,
        form=signing_form(await form_by_id(session=session, form_id=draft.form_id)),
        person=member.person,
        seen=draft.seen,
        now=clock.now(),
        files=files,
        channel=channel,
    )
    message = reply_target(callback)
    if signed is None:
        # Nothing of this signature was stored; what the draft looked up may stay.
        await state.clear()
        await callback.answer()
        stored = await get_report(session=session, period=period, unit=item.unit)
        if stored is not None and await _resend_if_mine(
            message, session, member, files, item, draft, stored, period
        ):
            return
        await message.answer(
            signing_texts.taken(stored.revisions if stored is not None else 0),
            reply_markup=keyboards.main_menu(member),
        )
        return
    # "Signed" promises it is stored: commit before saying anything (see report_form.submit).
    await commit_now(uow)
    metrics.REPORTS_FILED.labels("signed").inc()
    outreach.wake_mail()
    await state.clear()
    await callback.answer(_("Signed"))
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await callback.message.edit_reply_markup(
                reply_markup=InlineKeyboardMarkup(inline_keyboard=[])
            )
    await message.answer(
        signing_texts.signed_receipt(
            signed.filed, item.unit, item.campaign, item.unit.report_email
        ),
        reply_markup=keyboards.main_menu(member),
    )
    name, data = signed.files["docx"]
    await message.answer_document(
        BufferedInputFile(data, filename=name),
        caption=files.report_caption(signed.report),
    )


async def _resend_if_mine(
    message: Answerable,
    session: AsyncSession,
    member: Member,
    files: FileMaker,
    item: Assignment,
    draft: ReportDraft,
    stored: Report,
    period: Period,
) -> bool:
    """The same press delivered again after the signature was stored (a crash before the
    answer): the signer gets the receipt and the letter of what was stored, not a warning."""
    revision = await repeated_signature(
        session=session, report=stored, person=member.person, own=draft.values
    )
    if revision is None:
        return False
    filed = Filed(stored, revision, period, repeated=True)
    await message.answer(
        signing_texts.signed_receipt(filed, item.unit, item.campaign, item.unit.report_email),
        reply_markup=keyboards.main_menu(member),
    )
    assert revision.id is not None
    kept = await signed_file(session=session, revision_id=revision.id, fmt="docx")
    if kept is not None:
        await message.answer_document(BufferedInputFile(kept.content, filename=kept.filename))
    return True
