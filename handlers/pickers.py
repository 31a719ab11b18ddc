"""Choosing a campaign, then a draft document, then a section, with buttons.

Shared by the citizen who comments without a poster and by the official who prints a QR code:
each step either shows the next, narrower list or hands back the chosen ``Target``. A caller's
own choices (``also``) go at the end of the first list, in the same message: on Zalo only the
latest list answers to a typed number, so a second message of buttons would hide the first.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import PickDraft
from handlers.comment_texts import section_name
from handlers.replies import Answerable
from handlers.texts import escape
from storage.campaigns import documents_of, sections_of
from storage.entries import Target, target_of
from storage.models import Campaign

MAX_BUTTONS = 40


async def choose_campaign(
    message: Answerable,
    session: AsyncSession,
    campaigns: Sequence[Campaign],
    purpose: str,
    also: Sequence[InlineKeyboardButton] = (),
) -> Target | None:
    """Ask which campaign, or go on to its documents when there is only one; ``also`` ends
    the list shown (none is shown when a target comes back)."""
    if len(campaigns) == 1:
        assert campaigns[0].id is not None
        return await choose_within(
            message, session, PickDraft(campaign_id=campaigns[0].id, purpose=purpose), also
        )
    builder = InlineKeyboardBuilder()
    for campaign in campaigns[:MAX_BUTTONS]:
        assert campaign.id is not None
        builder.button(
            text=campaign.title, callback_data=PickDraft(campaign_id=campaign.id, purpose=purpose)
        )
    builder.add(*also)
    builder.adjust(1)
    questions = {
        "qr": _("A QR code for which consultation?"),
        "record": _("Which consultation is the comment about?"),
    }
    await message.answer(
        questions.get(purpose) or _("Which consultation?"), reply_markup=builder.as_markup()
    )
    return None


async def choose_within(
    message: Answerable,
    session: AsyncSession,
    pick: PickDraft,
    also: Sequence[InlineKeyboardButton] = (),
) -> Target | None:
    """The target of ``pick`` when it is final, else the list of what lies inside it, with
    ``also`` at its end."""
    target = await target_of(
        session=session,
        campaign_id=pick.campaign_id,
        document_id=pick.document_id or None,
        section_id=pick.section_id or None,
    )
    if target is None:
        await message.answer(_("This choice is no longer available."))
        return None
    if pick.final or target.section is not None:
        return target
    builder = InlineKeyboardBuilder()
    campaign_id = pick.campaign_id
    if target.document is None:
        documents = await documents_of(session=session, campaign=target.campaign)
        if not documents:
            return target
        for document, _sections in documents[:MAX_BUTTONS]:
            assert document.id is not None
            builder.button(
                text=f"📄 {document.title}",
                callback_data=PickDraft(
                    campaign_id=campaign_id, document_id=document.id, purpose=pick.purpose
                ),
            )
        builder.button(
            text=_("💬 The consultation as a whole"),
            callback_data=PickDraft(campaign_id=campaign_id, purpose=pick.purpose, final=True),
        )
        question = {
            "qr": _("A QR code for which draft document? Or one for the whole consultation:"),
            "record": _("Which draft document is the comment about?"),
        }.get(pick.purpose) or _("Which draft document?")
    else:
        sections = await sections_of(session=session, document=target.document)
        if not sections:
            return target
        document_id = pick.document_id
        for section in sections[:MAX_BUTTONS]:
            assert section.id is not None
            builder.button(
                text=section_name(section),
                callback_data=PickDraft(
                    campaign_id=campaign_id,
                    document_id=document_id,
                    section_id=section.id,
                    purpose=pick.purpose,
                ),
            )
        builder.button(
            text=_("📄 The whole document"),
            callback_data=PickDraft(
                campaign_id=campaign_id, document_id=document_id, purpose=pick.purpose, final=True
            ),
        )
        question = (
            {
                "qr": _(
                    "A QR code for which part of «{document}»? Or one for the whole document:"
                ),
                "record": _("Which part of «{document}» is the comment about?"),
            }.get(pick.purpose)
            or _("Which part of «{document}»?")
        ).format(document=escape(target.document.title))
    builder.add(*also)
    builder.adjust(1)
    await message.answer(question, reply_markup=builder.as_markup())
    return None
