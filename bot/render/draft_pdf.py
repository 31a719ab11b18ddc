"""A small PDF of a draft made from its title and its sections' texts (the demo's full text).

Vector text in DejaVu Sans, embedded, so Vietnamese reads right on any phone. The same words
give the same bytes (reportlab's invariant mode: no creation date, a fixed document id), so a
demo loaded twice keeps one version of the file and its ETag.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from bot.render.fonts import font_files

REGULAR = "GopyDraftSans"
BOLD = "GopyDraftSans-Bold"


@dataclass(frozen=True, slots=True)
class DraftSection:
    number: str
    heading: str
    text: str


@functools.cache
def _fonts() -> tuple[str, str]:
    """Register DejaVu Sans with reportlab once per process (it keeps fonts by name)."""
    files = font_files()
    pdfmetrics.registerFont(TTFont(REGULAR, str(files.regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(files.bold)))
    return REGULAR, BOLD


def _paragraphs(text: str, style: ParagraphStyle) -> list[Paragraph]:
    """One paragraph per line of the text; reportlab reads markup, so the words are escaped."""
    return [Paragraph(escape(line.strip()), style) for line in text.splitlines() if line.strip()]


def _label(section: DraftSection) -> str:
    """``I. Heading``, or the heading alone when it names its number (``Chương I. Đảng viên``)."""
    if re.match(rf"\w+\s+{re.escape(section.number)}\b", section.heading):
        return section.heading
    return f"{section.number}. {section.heading}"


def draft_pdf(*, heading: str, title: str, sections: Sequence[DraftSection]) -> bytes:
    """``heading`` (the campaign) small at the top, ``title`` large, then each section."""
    regular, bold = _fonts()
    small = ParagraphStyle("small", fontName=regular, fontSize=9, leading=12, spaceAfter=6)
    big = ParagraphStyle("title", fontName=bold, fontSize=16, leading=21, spaceAfter=10)
    head = ParagraphStyle("head", fontName=bold, fontSize=12, leading=16, spaceBefore=10)
    body = ParagraphStyle("body", fontName=regular, fontSize=11, leading=16, spaceBefore=4)
    story = [*_paragraphs(heading, small), *_paragraphs(title, big), Spacer(1, 4 * mm)]
    for section in sections:
        story += _paragraphs(_label(section), head)
        story += _paragraphs(section.text, body)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        invariant=True,
    )
    document.build(story)
    return buffer.getvalue()
