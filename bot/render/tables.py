"""Tables as CSV and XLSX: one writer for comment exports and report tables alike."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook

from bot.render.zipdates import restamp

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
INT_FORMAT = "#,##0"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"
CSV_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
CSV_DATE_FORMAT = "%d/%m/%Y"
# Rows per chunk that iter_csv yields: a few hundred kB, far from a big export's size.
CSV_CHUNK_ROWS = 1000

Kind = Literal["text", "int", "datetime", "date", "wrap"]

# Control characters break XML (openpyxl raises IllegalCharacterError on them) and mean nothing in
# a spreadsheet. Lone surrogates (a JSON "\\ud83d" from a messenger decodes to one) are not
# UTF-8 nor XML, and U+FFFE, U+FFFF are not XML characters either. \r goes earlier: it becomes \n.
_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A spreadsheet runs a CSV cell starting with these as a formula (OWASP "CSV injection"); people
# type comments, so a comment like =HYPERLINK("http://…") must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t")
_TITLE_LIMIT = 31
_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))
_RESERVED_TITLES = frozenset({"history"})  # Excel keeps this name for its change log

HEADER_FILL = "#DDEBF7"


@dataclass(frozen=True)
class Column:
    """A column: its title, width in Excel's character units and how its cells look."""

    title: str
    width: float = 15
    kind: Kind = "text"


@dataclass(frozen=True)
class GroupHeading:
    """A row that opens a group of rows: bold across the sheet in XLSX, first cell in CSV."""

    text: str


Row = Sequence[object] | GroupHeading


@dataclass(frozen=True)
class Sheet:
    """One table: header, rows (headings between them) and an optional bold totals row.

    Cells are text, numbers, aware datetimes, dates or None; anything else is written as ``str()``.
    ``rows`` may be a generator, which streams a big export but can be written only once.
    """

    title: str
    columns: Sequence[Column]
    rows: Iterable[Row]
    totals: Sequence[object] | None = None


def clean_text(text: str) -> str:
    """NFC text without control characters but \\n and \\t, nor surrogates; line ends are \\n."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _NOT_TEXT.sub("", text))


def sheet_title(title: str, taken: Collection[str] = ()) -> str:
    """A sheet name Excel accepts: 31 characters at most, none of []:*?/\\, not in ``taken``.

    ``taken`` holds the names already in the workbook, compared without case as Excel does.
    """
    # Excel also refuses a name that starts or ends with an apostrophe.
    text = " ".join(clean_text(title).translate(_TITLE_FORBIDDEN).split())
    text = text[:_TITLE_LIMIT].strip(" '") or "Sheet"
    used = {name.casefold() for name in taken} | _RESERVED_TITLES
    candidate, number = text, 1
    while candidate.casefold() in used:
        number += 1
        suffix = f" ({number})"
        candidate = text[: _TITLE_LIMIT - len(suffix)].rstrip(" '") + suffix
    return candidate


def write_xlsx(
    sheets: Sequence[Sheet], *, tz: str = DEFAULT_TIMEZONE, day: date | None = None
) -> bytes:
    """An XLSX workbook of ``sheets``, streamed row by row; datetimes shown in ``tz``.

    ``day``: the document's date; the same sheets then give the same bytes (a signed report's
    workbook is kept as signed), with no trace of the clock or of the library that wrote it.

    Written by XlsxWriter in its constant-memory mode (each row goes to a temporary file as
    it is written): a city's 10,000-row answers sheet in less than half openpyxl's time.
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    zone = ZoneInfo(tz)
    out = io.BytesIO()
    workbook = Workbook(out, {"constant_memory": True, "in_memory": False})
    if day is not None:
        workbook.set_properties({"author": "", "created": datetime.combine(day, time())})
    styles = _Styles(workbook)
    titles: list[str] = []
    try:
        for sheet in sheets:
            titles.append(sheet_title(sheet.title, titles))
            _write_sheet(workbook.add_worksheet(titles[-1]), sheet, zone, styles)
    except BaseException:
        # A bad row or a database cursor failing mid-export leaves the sheets' temporary files
        # open: closing the workbook (into the buffer thrown away) closes and deletes them.
        with contextlib.suppress(Exception):
            workbook.close()
        raise
    workbook.close()
    return restamp(out.getvalue(), day) if day is not None else out.getvalue()


def write_csv(sheet: Sheet, *, tz: str = DEFAULT_TIMEZONE) -> bytes:
    """The sheet as CSV for Excel: UTF-8 with a BOM, \\r\\n line ends, datetimes in ``tz``."""
    # A BytesIO hands over its buffer: the file is in memory once, where a join holds it twice.
    out = io.BytesIO()
    for chunk in iter_csv(sheet, tz=tz):
        out.write(chunk)
    return out.getvalue()


def iter_csv(
    sheet: Sheet, *, tz: str = DEFAULT_TIMEZONE, chunk_rows: int = CSV_CHUNK_ROWS
) -> Iterator[bytes]:
    """The bytes of ``write_csv`` in chunks of ``chunk_rows`` rows, for a download of any size."""
    zone = ZoneInfo(tz)
    width = len(sheet.columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # Without the BOM Excel reads the file in the machine's code page and mangles the diacritics.
    yield codecs.BOM_UTF8
    writer.writerow([_csv_value(column.title, zone) for column in sheet.columns])
    for number, row in enumerate(sheet.rows, 1):
        if isinstance(row, GroupHeading):
            writer.writerow([_csv_value(row.text, zone), *([""] * (width - 1))])
        else:
            writer.writerow([_csv_value(value, zone) for value in _checked(row, width, number)])
        if number % chunk_rows == 0:
            yield _drain(buffer)
    if sheet.totals is not None:
        writer.writerow([_csv_value(value, zone) for value in _checked(sheet.totals, width, 0)])
    yield _drain(buffer)


class _Styles:
    """The workbook's formats, one per kind of cell, made once."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.made: dict[tuple[Kind, bool, bool], Any] = {}

    def __call__(self, kind: Kind, *, bold: bool = False, header: bool = False) -> Any:
        key = (kind, bold, header)
        if key not in self.made:
            props: dict[str, object] = {}
            if kind == "int":
                props["num_format"] = INT_FORMAT
            elif kind == "datetime":
                props["num_format"] = DATETIME_FORMAT
            elif kind == "date":
                props["num_format"] = DATE_FORMAT
            elif kind == "wrap":
                props |= {"text_wrap": True, "valign": "top"}
            if bold:
                props["bold"] = True
            if header:
                props |= {"pattern": 1, "bg_color": HEADER_FILL}
            self.made[key] = self.workbook.add_format(props) if props else None
        return self.made[key]


def _write_sheet(worksheet: Any, sheet: Sheet, zone: ZoneInfo, styles: _Styles) -> None:
    kinds = [column.kind for column in sheet.columns]
    width = len(kinds)
    formats = [styles(kind) for kind in kinds]
    bold = [styles(kind, bold=True) for kind in kinds]
    worksheet.freeze_panes(1, 0)
    for index, column in enumerate(sheet.columns):
        worksheet.set_column(index, index, column.width)
    header = styles("text", bold=True, header=True)
    for index, column in enumerate(sheet.columns):
        worksheet.write_string(0, index, clean_text(column.title), header)
    line = 0
    for number, row in enumerate(sheet.rows, 1):
        line = number
        if isinstance(row, GroupHeading):
            heading = styles("text", bold=True)
            if width > 1:
                worksheet.merge_range(number, 0, number, width - 1, clean_text(row.text), heading)
            else:
                worksheet.write_string(number, 0, clean_text(row.text), heading)
            continue
        for index, value in enumerate(_checked(row, width, number)):
            _write_cell(worksheet, number, index, value, formats[index], zone)
    # The filter covers header and rows, not the totals: sorting must not move the totals up.
    worksheet.autofilter(0, 0, line, max(width, 1) - 1)
    if sheet.totals is not None:
        for index, value in enumerate(_checked(sheet.totals, width, 0)):
            _write_cell(worksheet, line + 1, index, value, bold[index], zone)


def _write_cell(
    worksheet: Any, row: int, column: int, value: object, style: Any, zone: ZoneInfo
) -> None:
    """One value as its type: a number, a date, or text (never a formula: a comment saying
    "=HYPERLINK(…)" stays text); an empty cell only if it has a style."""
    if value is None:
        if style is not None:
            worksheet.write_blank(row, column, None, style)
    elif isinstance(value, bool):
        worksheet.write_boolean(row, column, value, style)
    elif isinstance(value, int | float | Decimal):
        worksheet.write_number(row, column, value, style)
    elif isinstance(value, datetime):
        # Excel has no time zones: a cell holds the wall-clock time people expect to read.
        worksheet.write_datetime(row, column, _local(value, zone).replace(tzinfo=None), style)
    elif isinstance(value, date):
        worksheet.write_datetime(row, column, value, style)
    else:
        # XlsxWriter cuts text to Excel's 32,767 characters per cell.
        worksheet.write_string(row, column, clean_text(str(value)), style)


def _csv_value(value: object, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _local(value, zone).strftime(CSV_DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(CSV_DATE_FORMAT)
    text = clean_text(str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"naive datetime {value}: pass an aware one, it is shown in {zone}")
    return value.astimezone(zone)


def _checked(row: Sequence[object], width: int, number: int) -> Sequence[object]:
    """The row, if it has one value per column (``number`` 0 is the totals row)."""
    if len(row) != width:
        name = f"row {number}" if number else "the totals row"
        raise ValueError(f"{name} has {len(row)} cells for {width} columns")
    return row


def _drain(buffer: io.StringIO) -> bytes:
    chunk = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return chunk
