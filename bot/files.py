"""The files gopy makes, with their words: QR codes, posters, comment exports.

Implements ``handlers.files.FileMaker``. The words go through gettext, so a caller outside a
handler (the CLI) sets the language first (``with i18n.context(), i18n.use_locale("vi")``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.comment_sheets import summary_sheet
from bot.letterheads import letterhead_lines
from bot.poster_links import PosterLinks, printed
from bot.render.comments_export import CommentRow, ExportLabels, export_comments
from bot.render.poster import render_poster
from bot.render.poster_layout import PosterCodes, PosterText
from bot.render.poster_pdf import render_poster_pdf, render_posters_pdf
from bot.render.qr import qr_png
from bot.report_files import completeness, render_report, span, subject
from bot.report_mail import report_mail
from handlers.comment_texts import official_label, section_name, target_name
from handlers.count_texts import category_label, medium_label, stance_label
from handlers.files import Format, PageFormat, PaperSize, Poster, Reach, ReportFormat
from handlers.format import moment
from services.consolidated import Consolidated
from storage.codes import entry_label
from storage.comment_counts import PlaceCounts
from storage.comments import CommentView
from storage.entries import Target
from storage.letterheads import Letterhead
from storage.phones import display_phone


@dataclass(frozen=True, slots=True)
class PosterSheet:
    """A poster's words and codes, to draw alone or with others in one PDF (``posters_pdf``)."""

    words: PosterText
    codes: PosterCodes


class Files:
    def __init__(
        self, i18n: I18n | None = None, locale: str = "vi", links: PosterLinks | None = None
    ) -> None:
        # The consolidated report is an official letter: in the campaign's language (the
        # process default), whoever asked for it.
        self.i18n, self.locale = i18n, locale
        self.links = links or PosterLinks()

    def report(
        self, report: Consolidated, fmt: ReportFormat, *, letterhead: Letterhead, today: date
    ) -> bytes:
        with self._official():
            return render_report(report, fmt, letterhead=letterhead, today=today)

    def letterhead_preview(self, letterhead: Letterhead, *, today: date) -> list[str]:
        return letterhead_lines(letterhead, today)

    def report_mail(
        self, report: Consolidated, *, receipt: str, signed_at: datetime, signer: str
    ) -> tuple[str, str]:
        with self._official():
            return report_mail(
                unit_name=report.unit.name,
                subject_line=_("Report on {subject}").format(subject=subject(report)),
                receipt=receipt,
                signed_at_text=moment(signed_at, report.campaign.timezone),
                signer=signer,
            )

    def report_caption(self, report: Consolidated) -> str:
        with self._official():
            head = _("Consolidated report of {unit}, {span}").format(
                unit=report.unit.name, span=span(report)
            )
            return f"{head}: {completeness(report)}"

    @contextmanager
    def _official(self) -> Iterator[None]:
        if self.i18n is None:
            yield
            return
        with self.i18n.context(), self.i18n.use_locale(self.locale):
            yield

    def comment_poster(
        self,
        *,
        target: Target,
        code: str,
        reach: Reach,
        hosted_draft: bool,
        footer: str,
        fmt: PageFormat | None,
        size: PaperSize = "a5",
    ) -> Poster:
        sheet = self.comment_sheet(
            target=target, code=code, reach=reach, hosted_draft=hosted_draft, footer=footer
        )
        return _poster(sheet, fmt, size, note=self.links.note(sheet.codes.link))

    def comment_sheet(
        self, *, target: Target, code: str, reach: Reach, hosted_draft: bool, footer: str
    ) -> PosterSheet:
        """The words and codes of a poster inviting comments on ``target`` (entry ``code``)."""
        link = self.links.entry(code, reach)
        document = target.document
        full_text = None
        if document is not None:
            full_text = self.links.full_text(code, hosted=hosted_draft, external=document.url)
        hint = (
            _("Cannot scan? Send the code above to {where}")
            if link
            else _("Send this code to {where}")
        )
        words = PosterText(
            title=target.campaign.title,
            target=target_name(target) if document else _("Comments on the drafts"),
            call_to_action=(
                _("Scan the QR code to comment") if link else _("Send the code to comment")
            ),
            code=entry_label(code),
            code_hint=hint.format(where=_where(reach)),
            full_text_label=_("Read the full draft"),
            footer=footer,
        )
        return PosterSheet(words, PosterCodes(link, printed(link) if link else None, full_text))

    def report_poster(
        self, *, reach: Reach, footer: str, fmt: PageFormat | None, size: PaperSize = "a5"
    ) -> Poster:
        sheet = self.report_sheet(reach=reach, footer=footer)
        return _poster(sheet, fmt, size, note=self.links.report_note(sheet.codes.link))

    def report_sheet(self, *, reach: Reach, footer: str) -> PosterSheet:
        """The words and code of the poster that takes secretaries to the weekly report."""
        link = self.links.report(reach)
        hint = (
            _("Cannot scan? Send the command above to {where}")
            if link
            else _("Send this command to {where}")
        )
        words = PosterText(
            title=_("Weekly report of party cells"),
            target=_("For party cell secretaries: file this week's report in a short chat"),
            call_to_action=_("Scan the QR code to report")
            if link
            else _("Send the command to report"),
            code="/report",
            code_hint=hint.format(where=_where(reach)),
            full_text_label="",
            footer=footer,
        )
        return PosterSheet(words, PosterCodes(link, printed(link) if link else None))

    def posters_pdf(self, sheets: Sequence[PosterSheet], *, size: PaperSize = "a5") -> bytes:
        """Every poster of ``sheets`` in one PDF, a page each, in order."""
        return render_posters_pdf([(s.words, s.codes) for s in sheets], size=size)

    def comments(
        self,
        views: Sequence[CommentView],
        *,
        fmt: Format,
        tz: str,
        counts: PlaceCounts | None = None,
        themes: Mapping[int, str] | None = None,
    ) -> bytes:
        """The comments; with ``counts``, the XLSX adds a sheet of them per unit below;
        ``themes``: the label of each theme id the comments are in."""
        labels = ExportLabels(
            sheet=_("Comments"),
            receipt=_("Receipt"),
            created_at=_("Sent at"),
            document=_("Document"),
            section=_("Section"),
            text=_("Comment"),
            author=_("From"),
            phone=_("Phone"),
            photos=_("Photos"),
            status=_("Status"),
            reply=_("Reply"),
            channel=_("Channel"),
            anonymous=_("anonymous"),
            general=_("General comment"),
            heading=_("{document} — {section} ({count} comments)"),
            unit=_("Unit"),
            medium=_("Channel of receipt"),
            stance=_("Stance"),
            category=_("Sent by"),
            theme=_("Theme"),
        )
        summary = summary_sheet(counts) if counts is not None else None
        named = themes or {}
        other = _("Other opinions")
        rows = (_row(view, named, other) for view in views)
        return export_comments(rows, labels, fmt, tz, summary)


def _where(reach: Reach) -> str:
    """The bots to type a code to, as a poster names them."""
    telegram = f"@{reach.telegram}" if reach.telegram else None
    if telegram and reach.zalo:
        return _("{telegram} on Telegram or {zalo} on Zalo").format(
            telegram=telegram, zalo=reach.zalo
        )
    if telegram:
        return _("{name} on Telegram").format(name=telegram)
    if reach.zalo:
        return _("{name} on Zalo").format(name=reach.zalo)
    return _("gopy on Zalo or Telegram")


def _poster(
    sheet: PosterSheet, fmt: PageFormat | None, size: PaperSize, note: str | None
) -> Poster:
    words, codes = sheet.words, sheet.codes
    page = None
    if fmt == "png":
        page = render_poster(words, codes)
    elif fmt == "pdf":
        page = render_poster_pdf(words, codes, size=size)
    qr = qr_png(codes.link) if codes.link else None
    return Poster(codes.link, words.code, qr, page, note)


def _row(view: CommentView, themes: Mapping[int, str], other: str) -> CommentRow:
    comment = view.comment
    document = view.document.title if view.document else view.campaign.title
    return CommentRow(
        document=document,
        section=section_name(view.section) if view.section else None,
        receipt=comment.receipt,
        created_at=comment.created_at,
        text=comment.text,
        author=None if comment.anonymous else comment.author_name,
        phone=display_phone(comment.phone) if comment.phone and not comment.anonymous else None,
        photos=view.photos,
        status=official_label(view),
        reply=view.reply,
        channel=comment.channel,
        unit=view.place,
        medium=medium_label(comment.medium),
        stance=stance_label(comment.stance),
        category=category_label(comment.category),
        theme=themes.get(comment.theme_id, other) if comment.theme_id is not None else other,
    )
