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
from typing import TYPE_CHECKING, Literal, Protocol, cast
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder
from openpyxl.worksheet.filters import AutoFilter

from bot.render.zipdates import restamp

if TYPE_CHECKING:
    # openpyxl names its write-only sheet class in no public module; only its type is used.
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

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

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


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


class _WorksheetParts(Protocol):
    column_dimensions: DimensionHolder[str, ColumnDimension]
    auto_filter: AutoFilter
    merged_cells: MultiCellRange


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
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    zone = ZoneInfo(tz)
    workbook = Workbook(write_only=True)
    if day is not None:
        midnight = datetime.combine(day, time())
        workbook.properties.creator = ""
        workbook.properties.created = workbook.properties.modified = midnight
    out = io.BytesIO()
    titles: list[str] = []
    try:
        for sheet in sheets:
            titles.append(sheet_title(sheet.title, titles))
            worksheet: WriteOnlyWorksheet = workbook.create_sheet(titles[-1])
            _write_sheet(worksheet, sheet, zone)
        workbook.save(out)
    except BaseException:
        # A bad row or a database cursor failing mid-export leaves openpyxl's sheet writers
        # open on temporary files it would delete only at exit: saving closes and deletes them.
        with contextlib.suppress(Exception):
            workbook.save(io.BytesIO())
        raise
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


def _write_sheet(worksheet: WriteOnlyWorksheet, sheet: Sheet, zone: ZoneInfo) -> None:
    # openpyxl gives the write-only sheet these Worksheet parts at run time; its stubs omit them.
    parts = cast(_WorksheetParts, worksheet)
    kinds = [column.kind for column in sheet.columns]
    width = len(kinds)
    last = get_column_letter(max(width, 1))
    # A write-only sheet writes its views and widths along with its first row: set them now.
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, 1):
        parts.column_dimensions[get_column_letter(index)].width = column.width
    worksheet.append(
        [
            _xlsx_cell(worksheet, column.title, "text", zone, bold=True, fill=_HEADER_FILL)
            for column in sheet.columns
        ]
    )
    merged: list[CellRange] = []
    line = 1
    for number, row in enumerate(sheet.rows, 1):
        line = number + 1
        if isinstance(row, GroupHeading):
            worksheet.append([_xlsx_cell(worksheet, row.text, "text", zone, bold=True)])
            if width > 1:
                merged.append(CellRange(f"A{line}:{last}{line}"))
        else:
            worksheet.append(
                [
                    _xlsx_cell(worksheet, value, kind, zone)
                    for value, kind in zip(_checked(row, width, number), kinds, strict=True)
                ]
            )
    # The filter covers header and rows, not the totals: sorting must not move the totals up.
    parts.auto_filter.ref = f"A1:{last}{line}"
    if sheet.totals is not None:
        worksheet.append(
            [
                _xlsx_cell(worksheet, value, kind, zone, bold=True)
                for value, kind in zip(_checked(sheet.totals, width, 0), kinds, strict=True)
            ]
        )
    # Merges are written when the sheet closes. Built in one go: MultiCellRange.add scans every
    # range it already has, quadratic over an export with thousands of groups.
    parts.merged_cells = MultiCellRange(merged)


def _xlsx_cell(
    worksheet: WriteOnlyWorksheet,
    value: object,
    kind: Kind,
    zone: ZoneInfo,
    *,
    bold: bool = False,
    fill: PatternFill | None = None,
) -> object:
    """The value itself when it needs no styling (the fast path), else a styled cell."""
    value = _xlsx_value(value, zone)
    # openpyxl takes a text starting with "=" for a formula and "#N/A" & co. for error values.
    as_text = isinstance(value, str) and value.startswith(("=", "#"))
    if kind == "text" and not (bold or fill or as_text):
        return value
    # A date too: openpyxl writes it as a date (its stubs name only datetime).
    cell = WriteOnlyCell(worksheet, cast(str | float | datetime | None, value))
    if as_text:
        cell.data_type = "s"
    if kind == "int":
        cell.number_format = INT_FORMAT
    elif kind == "datetime":
        cell.number_format = DATETIME_FORMAT
    elif kind == "date":
        cell.number_format = DATE_FORMAT
    elif kind == "wrap":
        cell.alignment = _WRAP
    if bold:
        cell.font = _BOLD
    if fill is not None:
        cell.fill = fill
    return cell


def _xlsx_value(value: object, zone: ZoneInfo) -> object:
    if value is None or isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        # Excel has no time zones: a cell holds the wall-clock time people expect to read.
        return _local(value, zone).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    # openpyxl itself cuts text to Excel's 32,767 characters per cell.
    return clean_text(str(value))


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
