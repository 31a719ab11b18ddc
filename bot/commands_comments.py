"""The command-line side of comments: ``gopy qr`` (codes and posters), ``gopy comments
export`` (CSV or XLSX grouped by section), and ``gopy comments import`` / ``template`` (comments
received on paper, at meetings, by e-mail, from a table)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.progress import Progress
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.admin_views import no_campaign, no_unit
from bot.cli_i18n import _
from bot.config import Settings
from bot.files import Files
from bot.i18n import build_i18n
from bot.importers.comments_table import (
    TEMPLATE_HEADERS,
    TableProblem,
    check_rows,
    parse_row,
    problems_of,
    read_table,
)
from bot.poster_links import PosterLinks
from handlers.comment_texts import target_name
from handlers.files import Format, PageFormat, PaperSize, Poster, Reach
from handlers.words import MEDIUM_LABELS
from scheduler.clock import SystemClock
from storage.campaigns import get_campaign
from storage.codes import entry_label
from storage.comment_counts import place_counts
from storage.comments import COUNTED, CommentView, export_views
from storage.entered import store_imported
from storage.entries import Target, entry_for
from storage.models import Comment, CommentMedium, Document, Person, Section, Unit
from storage.posters import has_hosted_draft
from storage.themes import theme_labels
from storage.units import all_units, get_unit, is_within


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
    what: str
    # The entry code as typed (GY-7K3QM); None for the quick report.
    code: str | None
    poster: Poster


async def make_qr(
    *,
    session: AsyncSession,
    settings: Settings,
    telegram: str | None,
    campaign_code: str,
    document_code: str | None,
    section_number: str | None,
    report: bool,
    poster: PageFormat | None,
    size: PaperSize = "a5",
    unit_code: str | None = None,
) -> Made:
    """The QR code (and poster) of a campaign, one of its documents or sections, or of the
    secretaries' quick report; the entry code is created on first use and kept.

    ``telegram``: the Telegram bot's username, when known. What the code opens follows
    ``bot.poster_links`` with the public address of ``settings``; with none and no Telegram
    bot there is no code, and the poster shows the code to type.

    With ``unit_code`` the code is that unit's (the campaign's unit or one below it): its
    comments count for it. Without, it is campaign-wide and asks the person's ward.
    """
    campaign = await get_campaign(session=session, code=campaign_code)
    if campaign is None:
        raise CommandProblem(no_campaign(campaign_code))
    unit = await session.get(Unit, campaign.unit_id)
    assert unit is not None
    if unit_code is not None:
        unit = await _campaign_unit(session, unit, unit_code, campaign_code)
    files = Files(links=PosterLinks(settings.public_base))
    reach = Reach(telegram=telegram)
    with speaking(settings):
        if report:
            made = files.report_poster(reach=reach, footer=unit.name, fmt=poster, size=size)
            return Made(_("The cell secretaries' quick report"), None, made)
        target = await _target(session, campaign_code, document_code, section_number)
        entry = await entry_for(session=session, target=target, now=SystemClock().now(), unit=unit)
        made = files.comment_poster(
            target=target,
            code=entry.code,
            reach=reach,
            hosted_draft=await has_hosted_draft(session=session, target=target),
            footer=unit.name,
            fmt=poster,
            size=size,
        )
        return Made(target_name(target), entry_label(entry.code), made)


async def _campaign_unit(
    session: AsyncSession, owner: Unit, code: str, campaign_code: str
) -> Unit:
    """The unit ``code`` if it is the campaign's unit ``owner`` or below it (a poster's, an
    import's)."""
    unit = await get_unit(session=session, code=code)
    if unit is None:
        raise CommandProblem(no_unit(code))
    assert owner.id is not None
    if not await is_within(session=session, unit=unit, root_id=owner.id):
        raise CommandProblem(
            _(
                "{unit} is not part of campaign {campaign}, which is run by {owner}: "
                "choose {owner_code} or a unit below it.",
                unit=unit.name,
                campaign=campaign_code,
                owner=owner.name,
                owner_code=owner.code,
            )
        )
    return unit


def page_format(path: Path) -> PageFormat:
    """The poster's format from its file name."""
    suffix = path.suffix.lower()
    if suffix in (".png", ".pdf"):
        return "png" if suffix == ".png" else "pdf"
    raise CommandProblem(_("The poster is a .png or .pdf file."))


def paper_size(value: str, fmt: PageFormat | None) -> PaperSize:
    """The poster's paper from ``--size``: A5 or A4, A4 for a PDF only."""
    size = value.strip().lower()
    if size not in ("a5", "a4"):
        raise CommandProblem(_("The poster's size is a5 or a4."))
    if size == "a4" and fmt == "png":
        # The PNG is for a chat or a screen, at A5's 300 dpi; print from the PDF.
        raise CommandProblem(_("A PNG poster is A5: for A4, write the poster as .pdf."))
    return "a4" if size == "a4" else "a5"


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
    unit = await session.get(Unit, campaign.unit_id)
    assert unit is not None
    counts = await place_counts(session=session, campaign=campaign, unit=unit)
    themes = await theme_labels(
        session=session, ids=(v.comment.theme_id for v in views if v.comment.theme_id)
    )
    with speaking(settings):
        data = Files().comments(views, fmt=fmt, tz=campaign.timezone, counts=counts, themes=themes)
    return len(views), data


class RowsRefused(CommandProblem):
    """Rows of an import file that must be fixed; nothing was stored."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Imported:
    # (unit name, medium) → how many were stored; rows found stored by an earlier import.
    stored: dict[tuple[str, CommentMedium], int]
    already: int


async def import_comments(
    *,
    session: AsyncSession,
    campaign_code: str,
    path: Path,
    unit_code: str,
    by: int | None,
) -> Imported:
    """Check every row of ``path``, then store them all, or none (``RowsRefused``)."""
    campaign = await get_campaign(session=session, code=campaign_code)
    if campaign is None:
        raise CommandProblem(no_campaign(campaign_code))
    owner = await session.get(Unit, campaign.unit_id)
    assert owner is not None
    # Letters received by a unit outside the consultation would count for no part of it.
    root = await _campaign_unit(session, owner, unit_code, campaign_code)
    person = await session.get(Person, by) if by is not None else None
    if by is not None and person is None:
        raise CommandProblem(_("No person has the id {id}.", id=by))
    try:
        table = read_table(path)
    except TableProblem as problem:
        raise CommandProblem(f"{path.name}: {problem}") from None
    parsed = [parse_row(line, cells) for line, cells in table]
    ready, wrong = await check_rows(session=session, campaign=campaign, root=root, rows=parsed)
    if wrong:
        raise RowsRefused(problems_of(path.name, wrong))
    tally = await store_imported(session=session, rows=ready, entered_by=person)
    names = {u.id: u.name for u in await all_units(session=session)}
    stored = {(names[unit_id], medium): n for (unit_id, medium), n in tally.stored.items()}
    return Imported(stored, tally.already)


def comments_template(fmt: Format) -> bytes:
    """An empty table with the import's columns (docs/comments-import.md) to fill in."""
    if fmt == "csv":
        lines = io.StringIO()
        csv.writer(lines).writerow(TEMPLATE_HEADERS)
        # The byte-order mark makes Excel open the file as UTF-8.
        return ("\ufeff" + lines.getvalue()).encode()
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ý kiến"
    sheet.append(list(TEMPLATE_HEADERS))
    widths = {"nội dung": 60, "ngày nhận": 12, "hình thức": 16, "đối tượng": 22}
    for index, title in enumerate(TEMPLATE_HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(title, 14)
        sheet.cell(row=1, column=index).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for title, words in (
        ("hình thức", "thư tay,hội nghị,e-mail,hòm thư"),
        ("đối tượng", "cán bộ,đảng viên,công chức/viên chức,người lao động,nhân dân,không rõ"),
        ("quan điểm", "tán thành,không tán thành,đồng ý một phần"),
    ):
        letter = get_column_letter(TEMPLATE_HEADERS.index(title) + 1)
        # A list to pick from; other spellings stay allowed (the import folds accents).
        check = DataValidation(type="list", formula1=f'"{words}"', showErrorMessage=False)
        check.add(f"{letter}2:{letter}5000")
        sheet.add_data_validation(check)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def print_imported(imported: Imported) -> None:
    """How many comments were stored, per unit and medium."""
    from rich.console import Console
    from rich.table import Table

    total = sum(imported.stored.values())
    console = Console()
    if total:
        table = Table(_("Unit"), _("Medium"), _("Comments"))
        for (unit, medium), count in sorted(imported.stored.items()):
            table.add_row(unit, _(MEDIUM_LABELS[medium]), str(count))
        console.print(table)
    console.print(_("Stored {count} comment(s).", count=total))
    if imported.already:
        console.print(
            _(
                "{count} row(s) were stored by an earlier import and were left as they are.",
                count=imported.already,
            )
        )
