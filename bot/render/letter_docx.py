"""The consolidated weekly report as a DOCX letter in the party's layout (Hướng dẫn 36-HD/VPTW).

Pure data in, DOCX bytes out. The caller fills the model from the database and gettext; this
module holds no wording but the fixed administrative words of the format (``LetterWords``).
"""

from __future__ import annotations

import copy
import datetime
import functools
import io
import struct
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Cm, Length, Mm, Pt
from docx.styles.style import ParagraphStyle, StyleFactory
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from bot.render.tables import clean_text

Cell = str | int | None


# The data model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    """Who issues the letter: the committee, the level above it, its short sign and its place."""

    parent: str  # "Đảng bộ Thành phố Hà Nội", printed in caps
    name: str  # "Đảng ủy phường Ngọc Hà", printed in caps, bold
    short: str  # "ĐU", in the number line "Số 12-BC/ĐU"
    place: str  # "Ngọc Hà", in "Ngọc Hà, ngày 12 tháng 11 năm 2025"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the body; with ``quote_from``, a cell's answer quoted as a list item."""

    text: str
    quote_from: str | None = None


@dataclass(frozen=True)
class CountTable:
    """A bordered table: the first column names the unit, ints print as 1.200, None as a dash."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    totals: Sequence[Cell] | None = None
    caption: str | None = None


@dataclass(frozen=True)
class LetterSection:
    """A numbered part of the body: "I- HEADING", its paragraphs, a table, numbered sub-parts."""

    heading: str
    paragraphs: Sequence[Paragraph] = ()
    table: CountTable | None = None
    subsections: Sequence[LetterSection] = ()


@dataclass(frozen=True)
class Signature:
    """The signing block: "T/M <on_behalf>", the signer's title and name (no ranks).

    ``deputy`` signs "K/T <on_behalf>" instead: a deputy in the head's stead, ``on_behalf``
    then being the head's title ("K/T TRƯỞNG BAN / PHÓ TRƯỞNG BAN").
    """

    on_behalf: str = "ĐẢNG ỦY"
    title: str = "BÍ THƯ"
    name: str = ""
    deputy: bool = False


@dataclass(frozen=True)
class Recipient:
    """A line of «Nơi nhận:» with why it goes there: "- Thường trực Đảng ủy (để báo cáo),"."""

    name: str
    purpose: str = ""


@dataclass(frozen=True)
class Look:
    """How a line is printed: size in points, emphasis; ``caps`` upper-cases the text itself."""

    size: float = 14
    bold: bool = False
    italic: bool = False
    underline: bool = False
    caps: bool = False


@dataclass(frozen=True)
class LetterWords:
    """The fixed words of the format; a state body's letter (Nghị định 30/2020) differs here."""

    party: str = "ĐẢNG CỘNG SẢN VIỆT NAM"
    title: str = "BÁO CÁO"
    number: str = "Số {number}-BC/{short}"
    # Before the letter is registered the office writes the number in by hand.
    blank_number: str = "      "
    date: str = "{place}, ngày {day:02d} tháng {month:02d} năm {year}"
    star: str = "*"
    separator: str = "-----"
    recipients: str = "Nơi nhận:"
    on_behalf: str = "T/M"
    deputy: str = "K/T"
    archive: str = "Lưu Văn phòng Đảng ủy"
    empty_cell: str = "—"


@dataclass(frozen=True)
class LetterStyle:
    """Page, spacing and the look of each part; the defaults are the party's practice."""

    words: LetterWords = LetterWords()
    font: str = "Times New Roman"
    language: str = "vi-VN"
    page_mm: tuple[float, float] = (210, 297)
    # top, bottom, left, right
    margins_mm: tuple[float, float, float, float] = (20, 20, 30, 15)
    header_distance_mm: float = 10
    first_line_indent_cm: float = 1.27
    space_after_pt: float = 6
    line_spacing: float = 1.2
    # Share of the text width that the left column of the header and closing tables takes.
    left_share: float = 0.45
    signature_space_lines: int = 4
    page_numbers: bool = True
    parent: Look = Look(caps=True)
    issuer: Look = Look(bold=True, caps=True)
    number: Look = Look()
    party: Look = Look(size=15, bold=True, caps=True)
    date: Look = Look(italic=True)
    title: Look = Look(size=16, bold=True, caps=True)
    subject: Look = Look(bold=True)
    heading: Look = Look(bold=True, caps=True)
    subheading: Look = Look(bold=True)
    body: Look = Look()
    caption: Look = Look(size=13, italic=True)
    table: Look = Look(size=12)
    recipients_heading: Look = Look(underline=True)
    recipients: Look = Look(size=12)
    on_behalf: Look = Look(bold=True, caps=True)
    signer_title: Look = Look(caps=True)
    signer: Look = Look(bold=True)

    @property
    def text_width(self) -> Length:
        """The width between the margins."""
        return Mm(self.page_mm[0] - self.margins_mm[2] - self.margins_mm[3])


@dataclass(frozen=True)
class ReportLetter:
    """A whole "BÁO CÁO": issuer, number (None leaves it blank), date, subject, body, closing."""

    issuer: Issuer
    number: str | None
    date: datetime.date
    subject: str  # starts lowercase: "kết quả lấy ý kiến …, tuần từ 06/11 đến 12/11/2025"
    sections: Sequence[LetterSection]
    # "Ban Tuyên giáo và Dân vận Thành ủy", …; the archive line is added
    recipients: Sequence[str | Recipient]
    signature: Signature = Signature()
    style: LetterStyle = LetterStyle()
    # The last line of «Nơi nhận:» ("Lưu VT, TT - TH"); None: the format's own.
    archive: str | None = None


def render_letter(letter: ReportLetter) -> bytes:
    """The letter as a DOCX file; the same letter gives the same bytes."""
    document = Document()
    styles = _Styles.build(document, letter.style)
    _set_up_page(document.sections[0], letter.style)
    _set_properties(document, letter)
    writer = _Writer(document, letter.style, styles)
    writer.header(letter)
    writer.title(letter.subject)
    for number, section in enumerate(letter.sections, 1):
        writer.section(section, (number,))
    writer.closing(letter)
    out = io.BytesIO()
    document.save(out)
    return _stamp_zip(out.getvalue(), letter.date)


# Text ---------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """The non-blank lines of a text, trimmed: what a person typed as paragraphs."""
    return [line.strip() for line in clean_text(text).split("\n") if line.strip()]


def _text(text: str, look: Look | None = None) -> str:
    """NFC text without XML-illegal characters (python-docx raises on them), caps if asked."""
    if look is not None and look.caps:
        text = text.upper()
    return clean_text(text)


def vietnamese_number(value: int) -> str:
    """An integer with dots between thousands, as Vietnamese writes it: 1.200."""
    return f"{value:,}".replace(",", ".")


_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def roman(number: int) -> str:
    """``number`` (1–3999) in Roman numerals, for the section headings."""
    if not 0 < number < 4000:
        raise ValueError(f"no Roman numeral for {number}")
    digits = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        digits.append(letters * count)
    return "".join(digits)


# Widths of Times New Roman in thousandths of an em (Liberation Serif has the same metrics), to
# size the rule under the party's name and the table's columns without the font file at hand.
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_REGULAR = (
    "722 667 667 722 611 556 722 722 333 389 722 611 889 722 722 556 722 667 556 611 722 722 944 "
    "722 722 611 444 500 444 500 444 333 500 500 278 278 500 278 778 500 500 500 500 333 389 278 "
    "500 500 722 500 500 444"
)
_BOLD = (
    "722 667 722 722 667 611 778 778 389 500 778 667 944 722 778 611 778 722 556 667 722 722 1000 "
    "722 722 667 500 556 444 556 444 333 500 556 278 333 556 278 833 556 500 556 556 444 389 333 "
    "556 500 722 500 500 444"
)
_COMMON = {" ": 250, ".": 250, ",": 250, ":": 333, "-": 333, "(": 333, ")": 333, "/": 278}
_WIDTHS = {
    False: dict(zip(_LETTERS, map(int, _REGULAR.split()), strict=True)) | _COMMON,
    True: dict(zip(_LETTERS, map(int, _BOLD.split()), strict=True)) | _COMMON,
}
_DIGIT = 500
_OTHER = 600  # wider than most signs, so an estimate errs on the roomy side


@functools.lru_cache(maxsize=4096)
def _em(char: str, bold: bool) -> int:
    widths = _WIDTHS[bold]
    if char in widths:
        return widths[char]
    if char.isdigit():
        return _DIGIT
    # A Vietnamese letter is as wide as its base letter: "Ộ" as "O"; "Đ" and "đ" do not decompose.
    base = {"Đ": "D", "đ": "d"}.get(char) or unicodedata.normalize("NFD", char)[:1]
    return widths.get(base, _OTHER)


def text_width(text: str, size: float, *, bold: bool = False) -> Length:
    """The printed width of one line of ``text`` at ``size`` points, from the font's metrics."""
    return Pt(sum(_em(char, bold) for char in text) * size / 1000)


# Styles and page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    """The paragraph styles of the letter; named, so an officer editing it finds them in Word."""

    plain: ParagraphStyle
    centred: ParagraphStyle
    body: ParagraphStyle
    heading: ParagraphStyle
    quote: ParagraphStyle
    recipient: ParagraphStyle
    cell: ParagraphStyle
    number_cell: ParagraphStyle
    header_cell: ParagraphStyle

    @classmethod
    def build(cls, document: DocxDocument, style: LetterStyle) -> _Styles:
        normal = _set_default_font(document, style)
        plain = _add_style(document, "Letter Plain", normal)
        centred = _add_style(document, "Letter Centred", plain)
        centred.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        body = _add_style(document, "Letter Body", normal)
        fmt = body.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt.first_line_indent = Cm(style.first_line_indent_cm)
        fmt.space_after = Pt(style.space_after_pt)
        fmt.line_spacing = style.line_spacing
        heading = _add_style(document, "Letter Heading", body)
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.space_before = Pt(style.space_after_pt)
        quote = _hanging(_add_style(document, "Letter Quote", body), style.body.size)
        recipient = _add_style(document, "Letter Recipient", plain)
        _hanging(recipient, style.recipients.size)
        cell = _add_style(document, "Letter Table", plain)
        cell.font.size = Pt(style.table.size)
        # A little air above and below the text, as the cell padding has none.
        cell.paragraph_format.space_before = cell.paragraph_format.space_after = Pt(1.5)
        number_cell = _add_style(document, "Letter Table Number", cell)
        number_cell.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        header_cell = _add_style(document, "Letter Table Header", cell)
        header_cell.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        header_cell.font.bold = True
        return cls(plain, centred, body, heading, quote, recipient, cell, number_cell, header_cell)


def _add_style(document: DocxDocument, name: str, base: ParagraphStyle) -> ParagraphStyle:
    # Styles.add_style first compares the name with each of the template's 160 styles in
    # Python, 3 ms a style; these names are the letter's own.
    element = document.styles.element.add_style_of_type(name, WD_STYLE_TYPE.PARAGRAPH, False)
    added = StyleFactory(element)
    assert isinstance(added, ParagraphStyle)
    added.base_style = base
    return added


def _hanging(style: ParagraphStyle, size: float) -> ParagraphStyle:
    """A list item: the dash hangs at the margin, the wrapped lines align with the text after
    it, as in "- Chi bộ Tổ dân phố số 1: …"."""
    hang = text_width("- ", size)
    style.paragraph_format.left_indent = hang
    style.paragraph_format.first_line_indent = -hang
    return style


def _set_default_font(document: DocxDocument, style: LetterStyle) -> ParagraphStyle:
    """The font and language on the document defaults and on Normal, for every script.

    Word takes a character's font from the East Asian or complex-script slot when a run's hint
    or the character's range says so, and the template's defaults name theme fonts (Calibri),
    which win over a plain name on the same element: every slot gets the letter's font.
    """
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for rpr in defaults.iter(qn("w:rPr")):
            _set_fonts(rpr, style)
        for spacing in defaults.iter(qn("w:spacing")):
            # The template's 10 pt after and 1.15 lines would leak into the tables.
            spacing.set(qn("w:after"), "0")
            spacing.set(qn("w:line"), "240")
    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.font.name = style.font
    normal.font.size = Pt(style.body.size)
    _set_fonts(normal.element.get_or_add_rPr(), style)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    return normal


def _set_fonts(rpr: BaseOxmlElement, style: LetterStyle) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), style.font)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), style.language)


def _set_up_page(section: Section, style: LetterStyle) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(size) for size in style.page_mm)
    top, bottom, left, right = (Mm(margin) for margin in style.margins_mm)
    section.top_margin, section.bottom_margin = top, bottom
    section.left_margin, section.right_margin = left, right
    section.header_distance = section.footer_distance = Mm(style.header_distance_mm)
    if style.page_numbers:
        _number_pages(section, style)


def _number_pages(section: Section, style: LetterStyle) -> None:
    """A centred page number at the top of every page but the first."""
    section.different_first_page_header_footer = True
    # An empty first-page header of its own, so no reader falls back to the numbered one.
    section.first_page_header.is_linked_to_previous = False
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field_ = OxmlElement("w:fldSimple")
    field_.set(qn("w:instr"), "PAGE")
    # python-docx has no field API; a run inside the field holds the look and a placeholder.
    run = paragraph.add_run("2")
    run.font.size = Pt(style.body.size)
    field_.append(run._r)
    paragraph._p.append(field_)


def _set_properties(document: DocxDocument, letter: ReportLetter) -> None:
    """Title, author and dates from the letter itself, so that nothing depends on the clock."""
    properties = document.core_properties
    midnight = datetime.datetime.combine(letter.date, datetime.time(), tzinfo=datetime.UTC)
    properties.title = _text(letter.style.words.title + " " + letter.subject)
    properties.author = properties.last_modified_by = _text(letter.issuer.name)
    properties.created = properties.modified = midnight
    properties.revision = 1
    properties.comments = ""
    properties.language = letter.style.language
    # The template's thumbnail shows an empty page, not this letter: leave it out.
    rels = document.part.package.rels
    for key in [key for key, rel in rels.items() if rel.reltype.endswith("/thumbnail")]:
        del rels[key]


def _stamp_zip(data: bytes, date: datetime.date) -> bytes:
    """The zip with each member dated ``date`` 00:00; python-docx dates them by the clock."""
    year = max(date.year, 1980)  # the zip format starts in 1980
    dos_date = (year - 1980) << 9 | date.month << 5 | date.day
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            struct.pack_into("<HH", out, info.header_offset + 10, 0, dos_date)
    # The central directory repeats the dates; its end record (python-docx writes no zip
    # comment) says where it starts and how many entries it has.
    end = len(out) - 22
    if out[end : end + 4] != b"PK\x05\x06":
        raise ValueError("unexpected zip layout")
    count, _size, position = struct.unpack_from("<HII", out, end + 10)
    for _ in range(count):
        struct.pack_into("<HH", out, position + 12, 0, dos_date)
        name, extra, comment = struct.unpack_from("<HHH", out, position + 28)
        position += 46 + name + extra + comment
    return bytes(out)


# Word refuses a file whose property elements are out of the schema's order: what may follow
# the ones added here, which python-docx has no API for.
_AFTER_TBLCELLMAR = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
_AFTER_SHD = ("w:tblLayout", "w:tblCellMar", *_AFTER_TBLCELLMAR)
_AFTER_PBDR = (
    *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct"),
    *("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd"),
    *("w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents"),
    *("w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap"),
    *("w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
)


# The letter ---------------------------------------------------------------------------------


class _Writer:
    """Adds the parts of the letter to the document, top to bottom."""

    def __init__(self, document: DocxDocument, style: LetterStyle, styles: _Styles) -> None:
        self.document = document
        self.style = style
        self.words = style.words
        self.styles = styles

    def header(self, letter: ReportLetter) -> None:
        """Issuer and number on the left, the party's name and the date on the right.

        Two rows, so that the number and the date share a line however long the names are.
        """
        issuer, words, style = letter.issuer, self.words, self.style
        table = self._frame_table(rows=2)
        top_left, top_right = table.rows[0].cells
        bottom_left, bottom_right = table.rows[1].cells
        for text, look in ((issuer.parent, style.parent), (issuer.name, style.issuer)):
            if text.strip():
                self._line(top_left, text, look)
        self._line(top_left, words.star, style.body)
        self._party_line(top_right)
        number = words.blank_number if letter.number is None else letter.number
        self._line(
            bottom_left, words.number.format(number=number, short=issuer.short), style.number
        )
        day = letter.date
        date = words.date.format(place=issuer.place, day=day.day, month=day.month, year=day.year)
        self._line(bottom_right, date, style.date)
        for cell in (bottom_left, bottom_right):
            cell.paragraphs[0].paragraph_format.space_before = Pt(style.space_after_pt)

    def title(self, subject: str) -> None:
        """ "BÁO CÁO", the subject under it and the short rule of dashes."""
        style, centred = self.style, self.styles.centred
        title = self._paragraph(self.words.title, style.title, centred)
        title.paragraph_format.space_before = Pt(3 * style.space_after_pt)
        self._paragraph(subject, style.subject, centred)
        separator = self._paragraph(self.words.separator, style.body, centred)
        separator.paragraph_format.space_after = Pt(2 * style.space_after_pt)

    def section(self, section: LetterSection, path: tuple[int, ...]) -> None:
        """A heading numbered "I-" (or "1.", "1.1." below it), its paragraphs and table."""
        if len(path) == 1:
            label, look = f"{roman(path[0])}- ", self.style.heading
        else:
            label, look = ".".join(map(str, path[1:])) + ". ", self.style.subheading
        self._paragraph(label + section.heading, look, self.styles.heading)
        for paragraph in section.paragraphs:
            self._body_paragraph(paragraph)
        if section.table is not None:
            self._count_table(section.table)
        for number, subsection in enumerate(section.subsections, 1):
            self.section(subsection, (*path, number))

    def closing(self, letter: ReportLetter) -> None:
        """Recipients on the left, the signature block on the right, kept on one page and
        with the last paragraph of the body, so that it never sits alone on a page."""
        style, words, signature = self.style, self.words, letter.signature
        if self.document.paragraphs:
            self.document.paragraphs[-1].paragraph_format.keep_with_next = True
        table = self._frame_table(rows=1)
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        left, right = table.rows[0].cells
        self._line(left, words.recipients, style.recipients_heading, self.styles.plain)
        archive = words.archive if letter.archive is None else letter.archive
        for line in recipient_lines(letter.recipients, archive):
            self._line(left, line, style.recipients, self.styles.recipient)
        on_behalf, title = signature_heads(signature, words)
        self._line(right, on_behalf, style.on_behalf)
        self._line(right, title, style.signer_title)
        for _ in range(style.signature_space_lines):
            self._line(right, "", style.body)
        self._line(right, signature.name, style.signer)
        for cell in (left, right):
            cell.paragraphs[0].paragraph_format.space_before = Pt(2 * style.space_after_pt)

    # Parts of parts

    def _party_line(self, cell: _Cell) -> None:
        """The party's name over a rule of its own length: the bottom border of a paragraph
        narrowed to the text, because an underline would cut the dots under Ộ and Ệ."""
        look = self.style.party
        paragraph = self._line(cell, self.words.party, look)
        text = _text(self.words.party, look)
        # A space's width of slack, so that a font a little wider than Times does not wrap it.
        wide = text_width(text + " ", look.size, bold=look.bold)
        indent = Length(max((self._cell_width(cell) - wide) // 2, 0))
        paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = indent
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for name, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "auto")):
            bottom.set(qn(f"w:{name}"), value)
        borders.append(bottom)
        paragraph._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_PBDR)

    def _body_paragraph(self, paragraph: Paragraph) -> None:
        # Each line its own paragraph: a line break inside a justified paragraph stretches
        # the line before it across the page.
        lines = _lines(paragraph.text) or [""]
        if paragraph.quote_from is None:
            for line in lines:
                self._paragraph(line, self.style.body, self.styles.body)
            return
        first, *rest = lines
        self._paragraph(
            f"- {_text(paragraph.quote_from)}: {first}", self.style.body, self.styles.quote
        )
        for line in rest:
            self._paragraph(line, self.style.body, self.styles.quote)

    def _count_table(self, data: CountTable) -> None:
        width = len(data.columns)
        rows = [_checked(row, width, f"row {number}") for number, row in enumerate(data.rows, 1)]
        totals = None if data.totals is None else _checked(data.totals, width, "totals")
        if data.caption:
            caption = self._paragraph(data.caption, self.style.caption, self.styles.centred)
            caption.paragraph_format.keep_with_next = True
            caption.paragraph_format.space_after = Pt(self.style.space_after_pt / 2)
        header = [_text(title) for title in data.columns]
        body = [[self._cell_text(value) for value in row] for row in rows]
        total_texts = None if totals is None else [self._cell_text(value) for value in totals]
        table: Table = self.document.add_table(rows=0, cols=width)
        table.style = self.document.styles["Table Grid"]
        table.autofit = False
        _indent_table(table, _CELL_PADDING_SIDE)
        widths = fit_columns(header, body, total_texts, self.style.table.size, self.style)
        for column, column_width in zip(table.columns, widths, strict=True):
            column.width = column_width
        self._table_row(table, header, [self.styles.header_cell] * width, header=True)
        cell_styles = [
            self.styles.number_cell if numeric else self.styles.cell
            for numeric in _numeric_columns(rows, totals, width)
        ]
        self._body_rows(table, body, cell_styles)
        if total_texts is not None:
            self._table_row(table, total_texts, cell_styles, bold=True)
        # Space between the table and what follows; a table cannot have any after itself.
        _apply(self.document.add_paragraph(), self.styles.plain)

    def _body_rows(
        self, table: Table, rows: Sequence[Sequence[str]], styles: Sequence[ParagraphStyle]
    ) -> None:
        """The table's rows. A row of one-line texts is a copy of the first such row's XML with
        the texts put in: a tenth of the time python-docx takes to build it, for a city's
        hundreds of rows."""
        template: CT_Row | None = None
        for texts in rows:
            if template is None or not _one_line(texts):
                built = self._table_row(table, texts, styles)
                if template is None and _one_line(texts):
                    template = built
                continue
            row = copy.deepcopy(template)
            for element, text in zip(row.iter(qn("w:t")), texts, strict=True):
                element.text = text
            table._tbl.append(row)

    def _table_row(
        self,
        table: Table,
        texts: Sequence[str],
        styles: Sequence[ParagraphStyle],
        *,
        header: bool = False,
        bold: bool = False,
    ) -> CT_Row:
        row = table.add_row()  # type: ignore[no-untyped-call]  # python-docx leaves it bare
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if header:
            properties.append(OxmlElement("w:tblHeader"))  # repeated at the top of each page
        for cell, text, style in zip(row.cells, texts, styles, strict=True):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            _apply(paragraph, style)
            run = paragraph.add_run(text)
            if bold:
                run.bold = True
        tr: CT_Row = row._tr
        return tr

    def _cell_text(self, value: Cell) -> str:
        if value is None:
            return self.words.empty_cell
        if isinstance(value, int):
            return vietnamese_number(value)
        return _text(value)

    def _frame_table(self, rows: int) -> Table:
        """A borderless two-column table over the text width, cells without side padding."""
        table: Table = self.document.add_table(rows=rows, cols=2)
        table.autofit = False
        total = self.style.text_width
        left = Length(int(total * self.style.left_share))
        for column, width in zip(table.columns, (left, Length(total - left)), strict=True):
            column.width = width
            for cell in column.cells:
                cell.width = width
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            margin = OxmlElement(f"w:{side}")
            margin.set(qn("w:w"), "0")
            margin.set(qn("w:type"), "dxa")
            margins.append(margin)
        table._tblPr.insert_element_before(margins, *_AFTER_TBLCELLMAR)
        return table

    def _cell_width(self, cell: _Cell) -> Length:
        return cell.width if cell.width is not None else self.style.text_width

    def _line(
        self, cell: _Cell, text: str, look: Look, style: ParagraphStyle | None = None
    ) -> DocxParagraph:
        """A line in a cell, centred unless told: the cell's first paragraph, then new ones."""
        paragraph: DocxParagraph = cell.paragraphs[-1]
        if paragraph.runs:
            paragraph = cell.add_paragraph()
        _apply(paragraph, style or self.styles.centred)
        _add_run(paragraph, text, look)
        return paragraph

    def _paragraph(self, text: str, look: Look, style: ParagraphStyle) -> DocxParagraph:
        paragraph = self.document.add_paragraph()
        _apply(paragraph, style)
        _add_run(paragraph, text, look)
        return paragraph


def _apply(paragraph: DocxParagraph, style: ParagraphStyle) -> None:
    """Gives the paragraph ``style`` by its id. python-docx's own setter looks for the default
    style among all of the template's, for every paragraph: 3 ms each, seconds for a table."""
    paragraph._p.style = style.style_id


def _add_run(paragraph: DocxParagraph, text: str, look: Look) -> None:
    run = paragraph.add_run(_text(text, look))
    run.font.size = Pt(look.size)
    # Only what is on: the rest comes from the paragraph's style.
    if look.bold:
        run.bold = True
    if look.italic:
        run.italic = True
    if look.underline:
        run.underline = True


def recipient_lines(recipients: Sequence[str | Recipient], archive: str) -> Iterator[str]:
    """ "- X," or "- X (purpose)," per recipient, whatever it ended with, then the archive
    line "- Lưu …." (none when ``archive`` is blank)."""
    for item in recipients:
        recipient = Recipient(item) if isinstance(item, str) else item
        name = _bare(recipient.name)
        purpose = _bare(recipient.purpose).removeprefix("(").removesuffix(")").strip()
        if name:
            yield f"- {name} ({purpose})," if purpose else f"- {name},"
    archive = _bare(archive)
    if archive:
        yield f"- {archive}."


def _bare(text: str) -> str:
    return text.strip().rstrip(",;.").rstrip()


def signature_heads(signature: Signature, words: LetterWords) -> tuple[str, str]:
    """The first two lines of the signing block as printed: "T/M ĐẢNG ỦY", "BÍ THƯ"."""
    mode = words.deputy if signature.deputy else words.on_behalf
    return f"{mode} {signature.on_behalf}", signature.title


def _one_line(texts: Sequence[str]) -> bool:
    """Texts that fit one w:t element each as they are: no line breaks, tabs or outer spaces."""
    return all(
        text and text == text.strip() and "\n" not in text and "\t" not in text for text in texts
    )


def _checked(row: Sequence[Cell], width: int, where: str) -> Sequence[Cell]:
    if len(row) != width:
        raise ValueError(f"{where} has {len(row)} cells, the table {width} columns")
    return row


def _numeric_columns(
    rows: Sequence[Sequence[Cell]], totals: Sequence[Cell] | None, width: int
) -> list[bool]:
    """Which columns hold counts (ints or blanks only): they are right-aligned."""
    every = [*rows, *([totals] if totals is not None else [])]
    return [
        index > 0 and all(row[index] is None or isinstance(row[index], int) for row in every)
        for index in range(width)
    ]


# What Word and LibreOffice pad either side of a "Table Grid" cell with (108 twips); the
# columns get room for the estimate's error besides.
_CELL_PADDING_SIDE = Pt(5.4)
_CELL_PADDING = Pt(2 * 5.4 + 2)


def _indent_table(table: Table, indent: Length) -> None:
    """Moves the table right by ``indent``: Word's 2010 layout, which python-docx's template
    asks for, hangs the borders out by the cell padding, past the margins."""
    element = OxmlElement("w:tblInd")
    element.set(qn("w:w"), str(indent.twips))
    element.set(qn("w:type"), "dxa")
    table._tblPr.insert_element_before(element, "w:tblBorders", "w:shd", *_AFTER_SHD)


def fit_columns(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    totals: Sequence[str] | None,
    size: float,
    style: LetterStyle,
) -> list[Length]:
    """Column widths over the text width that keep every word of a cell on one line.

    Each column gets its widest word (a Vietnamese syllable or a number), then the room left
    goes to the columns that would wrap, in proportion to the width they would like: a header
    on two lines, each cell on one.
    """
    least: list[int] = []
    wanted: list[int] = []
    for index, header in enumerate(headers):
        cells = [(row[index], False) for row in rows]
        if totals is not None:
            cells.append((totals[index], True))
        words = [(word, True) for word in header.split()]
        words += [(word, bold) for text, bold in cells for word in text.split()]
        low = max((text_width(word, size, bold=bold) for word, bold in words), default=0)
        lines = [
            text_width(line, size, bold=bold) for text, bold in cells for line in text.split("\n")
        ]
        want = max([low, text_width(header, size, bold=True) // 2, *lines])
        least.append(low + _CELL_PADDING)
        wanted.append(want + _CELL_PADDING)
    return _share(least, wanted, style.text_width)


def _share(least: Sequence[int], wanted: Sequence[int], total: int) -> list[Length]:
    room = total - sum(least)
    if room <= 0:  # not even the words fit: shrink all alike, some words will break
        return [Length(low * total // sum(least)) for low in least]
    extra = [want - low for want, low in zip(wanted, least, strict=True)]
    if sum(extra) <= room:  # every cell fits on one line: widen all alike
        return [Length(want * total // sum(wanted)) for want in wanted]
    return [
        Length(low + room * more // sum(extra)) for low, more in zip(least, extra, strict=True)
    ]
