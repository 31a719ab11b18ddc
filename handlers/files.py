"""What handlers need to make files (QR codes, posters, exports), injected as ``files``.

The rendering lives in ``bot.render`` and is wired in by ``bot.app``; handlers know only this
protocol, so the dependencies keep pointing inwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Literal, Protocol

from scheduler.consolidated import Consolidated
from storage.comment_counts import PlaceCounts
from storage.comments import CommentView
from storage.entries import Target
from storage.letterheads import Letterhead

Format = Literal["csv", "xlsx"]
PageFormat = Literal["png", "pdf"]
ReportFormat = Literal["docx", "xlsx", "csv"]


class FileMaker(Protocol):
    def qr_png(self, link: str) -> bytes:
        """A QR code of ``link`` as PNG."""
        ...

    def comment_poster(
        self, *, target: Target, link: str, code: str, handle: str, footer: str, fmt: PageFormat
    ) -> bytes:
        """An A5 poster inviting comments on ``target``."""
        ...

    def report_poster(self, *, link: str, handle: str, footer: str, fmt: PageFormat) -> bytes:
        """An A5 poster that takes secretaries straight to the weekly report."""
        ...

    def comments(
        self,
        views: Sequence[CommentView],
        *,
        fmt: Format,
        tz: str,
        counts: PlaceCounts | None = None,
        themes: Mapping[int, str] | None = None,
    ) -> bytes:
        """The comments as a spreadsheet, grouped by document and section; with ``counts``,
        the XLSX adds a sheet of them per unit below; ``themes`` labels each theme id."""
        ...

    def report(
        self, report: Consolidated, fmt: ReportFormat, *, letterhead: Letterhead, today: date
    ) -> bytes:
        """The consolidated report as a letter (in the unit's ``letterhead``), a workbook or a
        table."""
        ...

    def letterhead_preview(self, letterhead: Letterhead, *, today: date) -> list[str]:
        """The letterhead's lines as the letter prints them (issuer, number, date, recipients,
        signer)."""
        ...

    def report_mail(
        self, report: Consolidated, *, receipt: str, signed_at: datetime, signer: str
    ) -> tuple[str, str]:
        """The subject and body of the e-mail that carries a signed report upward, in the
        campaign's language."""
        ...

    def report_caption(self, report: Consolidated) -> str:
        """One line to send with the file: what it covers and how complete it is."""
        ...
