"""The files gopy makes, with their words: QR codes, posters, comment exports.

Implements ``handlers.files.FileMaker``. The words go through gettext, so a caller outside a
handler (the CLI) sets the language first (``with i18n.context(), i18n.use_locale("vi")``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.comment_sheets import summary_sheet
from bot.letterheads import letterhead_lines
from bot.render.comments_export import CommentRow, ExportLabels, export_comments
from bot.render.poster import PosterText, render_poster
from bot.render.qr import qr_png
from bot.report_files import completeness, render_report, span, subject
from bot.report_mail import report_mail
from handlers.comment_texts import official_label, section_name, target_name
from handlers.count_texts import category_label, medium_label, stance_label
from handlers.files import Format, PageFormat, ReportFormat
from handlers.format import moment
from scheduler.consolidated import Consolidated
from storage.codes import entry_label
from storage.comment_counts import PlaceCounts
from storage.comments import CommentView
from storage.entries import Target
from storage.letterheads import Letterhead
from storage.phones import display_phone


class Files:
    def __init__(self, i18n: I18n | None = None, locale: str = "vi") -> None:
        # The consolidated report is an official letter: in the campaign's language (the
        # process default), whoever asked for it.
        self.i18n, self.locale = i18n, locale

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

    def qr_png(self, link: str) -> bytes:
        return qr_png(link)

    def comment_poster(
        self, *, target: Target, link: str, code: str, handle: str, footer: str, fmt: PageFormat
    ) -> bytes:
        words = PosterText(
            title=target.campaign.title,
            target=target_name(target) if target.document else _("Comments on the drafts"),
            call_to_action=_("Scan the QR code to comment"),
            handle=handle,
            short_code_line=_("Cannot scan? Send the code {code} to {handle}").format(
                code=entry_label(code), handle=handle
            ),
            full_text_label=_("Scan to read the full draft"),
            footer=footer,
        )
        url = target.document.url if target.document else None
        return render_poster(words, link=link, full_text_url=url, fmt=fmt)

    def report_poster(self, *, link: str, handle: str, footer: str, fmt: PageFormat) -> bytes:
        words = PosterText(
            title=_("Weekly report of party cells"),
            target=_("For party cell secretaries: file this week's report in a short chat"),
            call_to_action=_("Scan the QR code to report"),
            handle=handle,
            short_code_line=_("Or send /report to {handle}").format(handle=handle),
            full_text_label="",
            footer=footer,
        )
        return render_poster(words, link=link, full_text_url=None, fmt=fmt)

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
