"""What handlers need to make files (QR codes, posters, exports), injected as ``files``.

The rendering lives in ``bot.render`` and is wired in by ``bot.app``; handlers know only this
protocol, so the dependencies keep pointing inwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from services.consolidated import Consolidated
from storage.comment_counts import PlaceCounts
from storage.comments import CommentView
from storage.entries import Target
from storage.letterheads import Letterhead

Format = Literal["csv", "xlsx"]
PageFormat = Literal["png", "pdf"]
PaperSize = Literal["a5", "a4"]
ReportFormat = Literal["docx", "xlsx", "csv"]


@dataclass(frozen=True, slots=True)
class Reach:
    """The bots a poster names, where its code can be typed: the Telegram bot's username
    (without @) and the Zalo bot's name, each when known."""

    telegram: str | None = None
    zalo: str | None = None

    @classmethod
    def in_chat(cls, channel: str, bot_name: str | None) -> Reach:
        """The bot an official asked on: ``/qr`` on Zalo names the Zalo bot."""
        return cls(zalo=bot_name) if channel == "zalo" else cls(telegram=bot_name)


@dataclass(frozen=True, slots=True)
class Poster:
    """A poster and what goes with it in a chat or on the command line."""

    # What the big QR code encodes; None: there is no code, the poster says what to type.
    link: str | None
    # What to type instead of scanning: GY-7K3QM, /report.
    typed: str
    # The big code alone as PNG (for a group chat or a slide), when there is one.
    qr: bytes | None
    # The poster itself, when one was asked for.
    page: bytes | None
    # Why the code does not open the landing page, and how to make it; None when it does.
    note: str | None


class FileMaker(Protocol):
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
        """A poster inviting comments on ``target`` through its entry ``code`` (``fmt`` None:
        its code and link only); ``hosted_draft``: gopy keeps the document's full text."""
        ...

    def report_poster(
        self, *, reach: Reach, footer: str, fmt: PageFormat | None, size: PaperSize = "a5"
    ) -> Poster:
        """A poster that takes secretaries straight to the weekly report."""
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
