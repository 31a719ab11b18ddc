"""The command-line side of comments: ``gopy qr`` (codes and posters) and ``gopy comments
export`` (CSV or XLSX grouped by section)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiogram.utils.deep_linking import create_deep_link
from rich.progress import Progress
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.admin_views import no_campaign
from bot.cli_i18n import _
from bot.config import Settings
from bot.files import Files
from bot.i18n import build_i18n
from handlers.comment_texts import target_name
from handlers.files import Format, PageFormat
from handlers.report import REPORT_PAYLOAD
from scheduler.clock import SystemClock
from storage.campaigns import get_campaign
from storage.codes import entry_label, entry_payload
from storage.comments import COUNTED, CommentView, export_views
from storage.entries import Target, entry_for
from storage.models import Comment, Document, Section, Unit
from storage.themes import theme_labels


class CommandProblem(ValueError):
    """Something the person asked for does not exist; the message says what."""


@contextmanager
def speaking(settings: Settings) -> Iterator[None]:
    """The words of files (poster, export headings) in the configured language."""
    i18n = build_i18n(settings.locale)
    with i18n.context(), i18n.use_locale(settings.locale):
        yield


@dataclass(frozen=True, slots=True)
class Made:
    link: str
    code: str | None
    what: str
    qr: bytes
    poster: bytes | None


async def make_qr(
    *,
    session: AsyncSession,
    settings: Settings,
    username: str,
    campaign_code: str,
    document_code: str | None,
    section_number: str | None,
    report: bool,
    poster: PageFormat | None,
) -> Made:
    """The QR code (and poster) of a campaign, one of its documents or sections, or of the
    secretaries' quick report; the entry code is created on first use and kept."""
    campaign = await get_campaign(session=session, code=campaign_code)
    if campaign is None:
        raise CommandProblem(no_campaign(campaign_code))
    unit = await session.get(Unit, campaign.unit_id)
    assert unit is not None
    files = Files()
    handle = f"@{username}"
    page: bytes | None = None
    with speaking(settings):
        if report:
            link = create_deep_link(username, "start", REPORT_PAYLOAD)
            if poster is not None:
                page = files.report_poster(link=link, handle=handle, footer=unit.name, fmt=poster)
            code, what = None, _("The cell secretaries' quick report")
        else:
            target = await _target(session, campaign_code, document_code, section_number)
            entry = await entry_for(session=session, target=target, now=SystemClock().now())
            link = create_deep_link(username, "start", entry_payload(entry.code))
            if poster is not None:
                page = files.comment_poster(
                    target=target,
                    link=link,
                    code=entry.code,
                    handle=handle,
                    footer=unit.name,
                    fmt=poster,
                )
            code, what = entry.code, target_name(target)
        qr = files.qr_png(link)
    return Made(link, entry_label(code) if code else None, what, qr, page)


def page_format(path: Path) -> PageFormat:
    """The poster's format from its file name."""
    suffix = path.suffix.lower()
    if suffix in (".png", ".pdf"):
        return "png" if suffix == ".png" else "pdf"
    raise CommandProblem(_("The poster is a .png or .pdf file."))


async def _target(
    session: AsyncSession, campaign_code: str, document_code: str | None, number: str | None
) -> Target:
    campaign = await get_campaign(session=session, code=campaign_code)
    assert campaign is not None
    if document_code is None:
        if number is not None:
            raise CommandProblem(_("--section goes with --document."))
        return Target(campaign)
    document = (
        await session.execute(
            select(Document).where(
                Document.campaign_id == campaign.id, Document.code == document_code
            )
        )
    ).scalar_one_or_none()
    if document is None:
        raise CommandProblem(
            _(
                "Campaign {campaign} has no document {document}. "
                "To list them: gopy campaign show {campaign}",
                campaign=campaign_code,
                document=document_code,
            )
        )
    if number is None:
        return Target(campaign, document)
    section = (
        await session.execute(
            select(Section).where(Section.document_id == document.id, Section.number == number)
        )
    ).scalar_one_or_none()
    if section is None:
        raise CommandProblem(
            _(
                "Document {document} has no section {number}. "
                "To list them: gopy campaign show {campaign}",
                document=document_code,
                number=number,
                campaign=campaign_code,
            )
        )
    return Target(campaign, document, section)


async def export_comments_file(
    *, session: AsyncSession, settings: Settings, campaign_code: str, fmt: Format
) -> tuple[int, bytes]:
    """The campaign's comments as a file, and how many they are."""
    campaign = await get_campaign(session=session, code=campaign_code)
    if campaign is None:
        raise CommandProblem(no_campaign(campaign_code))
    total = (
        await session.execute(
            select(func.count())
            .select_from(Comment)
            .where(Comment.campaign_id == campaign.id, col(Comment.status).in_(COUNTED))
        )
    ).scalar_one()
    views: list[CommentView] = []
    with Progress(transient=True) as progress:
        task = progress.add_task(_("Reading comments…"), total=total)
        async for view in export_views(session=session, campaign=campaign):
            views.append(view)
            if len(views) % 1000 == 0:
                progress.update(task, completed=len(views))
    themes = await theme_labels(
        session=session, ids=(v.comment.theme_id for v in views if v.comment.theme_id)
    )
    with speaking(settings):
        data = Files().comments(views, fmt=fmt, tz=campaign.timezone, themes=themes)
    return len(views), data
