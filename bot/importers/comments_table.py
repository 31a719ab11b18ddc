"""Reading a table of comments received on paper, at meetings, by e-mail (XLSX or CSV) for
``gopy comments import``; the columns are described in docs/comments-import.md.

Reading is in two steps: ``parse_row`` checks each row on its own (never raises, whatever the
cells hold: each problem is a message for that line), then ``check_rows`` looks up what the
rows name (documents, sections, units) and the dates against the campaign. Nothing is stored
unless every row passes both.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli_i18n import _
from handlers.words import (
    CATEGORY_WORDS,
    MEDIUM_WORDS,
    STANCE_WORDS,
    UNKNOWN_WORDS,
    fold,
    word_of,
)
from storage.campaigns import documents_of
from storage.entered import ImportedRow, Received, import_fingerprint
from storage.entries import Target
from storage.forms import MAX_TEXT, InvalidValue, clean_text
from storage.models import AuthorCategory, Campaign, CommentMedium, Document, Section, Stance, Unit
from storage.phones import InvalidPhone, parse_phone
from storage.units import get_unit, is_within

E = TypeVar("E", bound=StrEnum)

MAX_ROWS = 20_000
MAX_NAME = 100

# Column keys and their headers: Vietnamese first (the template's), English accepted.
HEADERS: Mapping[str, tuple[str, ...]] = {
    "received": ("ngày nhận", "date", "received"),
    "medium": ("hình thức", "medium"),
    "document": ("văn bản", "document"),
    "section": ("mục", "section"),
    "text": ("nội dung", "text", "comment"),
    "category": ("đối tượng", "category"),
    "stance": ("quan điểm", "stance"),
    "name": ("người gửi", "name", "sender"),
    "phone": ("điện thoại", "phone"),
    "unit": ("đơn vị", "unit"),
}
TEMPLATE_HEADERS = tuple(names[0] for names in HEADERS.values())
_BY_HEADER = {fold(name): key for key, names in HEADERS.items() for name in names}
# A time after the day (a spreadsheet's date-time cell saved as CSV) is left aside.
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")


class TableProblem(ValueError):
    """The file as a whole cannot be read (not a table, no header, unknown columns)."""


@dataclass
class ParsedRow:
    """One row's own values, or the problems that keep it from being imported."""

    line: int
    day: date | None = None
    medium: CommentMedium | None = None
    document: str | None = None
    section: str | None = None
    text: str = ""
    category: AuthorCategory | None = None
    stance: Stance | None = None
    name: str | None = None
    phone: str | None = None
    unit: str | None = None
    problems: list[str] = field(default_factory=list)


def read_table(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of an XLSX or CSV file under their column keys, with their line numbers (the
    header is line 1); blank rows are skipped."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        grid = _xlsx(path)
    elif suffix == ".csv":
        grid = _csv(path)
    else:
        raise TableProblem(_("The file must be .xlsx or .csv."))
    if not grid:
        raise TableProblem(_("The file is empty."))
    header, *body = grid
    keys: list[str | None] = []
    for title in header:
        key = _BY_HEADER.get(fold(title)) if title.strip() else None
        if title.strip() and key is None:
            raise TableProblem(_("Unknown column «{title}».", title=title.strip()))
        keys.append(key)
    if "text" not in keys:
        raise TableProblem(_("The column «nội dung» (the comment's text) is missing."))
    if len(body) > MAX_ROWS:
        raise TableProblem(_("At most {count} rows at once.", count=MAX_ROWS))
    rows = []
    for number, cells in enumerate(body, start=2):
        values = {k: c for k, c in zip(keys, cells, strict=False) if k is not None and c.strip()}
        if values:
            rows.append((number, values))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise TableProblem(_("This is not an XLSX file that can be read.")) from error
    try:
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _csv(path: Path) -> list[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableProblem(_("A CSV file must be saved as UTF-8.")) from error
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def parse_day(raw: str) -> date | None:
    """dd/mm/yyyy (also with dots or dashes, a time after it ignored) or ISO yyyy-mm-dd; None
    if neither."""
    raw = raw.strip()
    try:
        if found := _DMY.match(raw):
            day, month, year = (int(g) for g in found.groups())
            return date(year, month, day)
        if found := _ISO.match(raw):
            year, month, day = (int(g) for g in found.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def parse_row(line: int, cells: Mapping[str, str]) -> ParsedRow:
    """One row's values checked on their own; never raises: problems are listed instead."""
    row = ParsedRow(line)
    _when_and_how(row, cells)
    try:
        row.text = clean_text(cells.get("text", ""), max_length=MAX_TEXT)
    except InvalidValue as error:
        row.problems.append(
            _("the text (nội dung) is missing")
            if error.reason == "empty"
            else _("the text is longer than {limit} characters", limit=MAX_TEXT)
        )
    row.document = cells.get("document", "").strip() or None
    row.section = cells.get("section", "").strip() or None
    if row.section and not row.document:
        row.problems.append(_("a section (mục) needs its document (văn bản)"))
    row.unit = cells.get("unit", "").strip() or None
    _sender(row, cells)
    return row


def _when_and_how(row: ParsedRow, cells: Mapping[str, str]) -> None:
    raw_day = cells.get("received", "").strip()
    if not raw_day:
        row.problems.append(_("the date received (ngày nhận) is missing"))
    elif (day := parse_day(raw_day)) is None:
        row.problems.append(_("«{value}» is not a date like 25/11/2025", value=_short(raw_day)))
    else:
        row.day = day
    raw_medium = cells.get("medium", "").strip()
    if not raw_medium:
        row.problems.append(_("the medium (hình thức) is missing"))
    elif (medium := word_of(raw_medium, MEDIUM_WORDS)) is None:
        row.problems.append(
            _(
                "«{value}» is not a medium: thư tay, hội nghị, e-mail or hòm thư",
                value=_short(raw_medium),
            )
        )
    else:
        row.medium = medium


def _sender(row: ParsedRow, cells: Mapping[str, str]) -> None:
    """Who sent it, as far as known: category, stance, name, phone."""
    raw = cells.get("category", "")
    row.category, known = _optional(raw, CATEGORY_WORDS)
    if not known:
        row.problems.append(
            _(
                "«{value}» is not a category: cán bộ, đảng viên, công chức/viên chức, "
                "người lao động, nhân dân or không rõ",
                value=_short(raw),
            )
        )
    raw = cells.get("stance", "")
    row.stance, known = _optional(raw, STANCE_WORDS)
    if not known:
        row.problems.append(
            _(
                "«{value}» is not a stance: tán thành, không tán thành or đồng ý một phần",
                value=_short(raw),
            )
        )
    name = " ".join(cells.get("name", "").split())
    if name and fold(name) not in UNKNOWN_WORDS:
        if len(name) > MAX_NAME or not any(ch.isalpha() for ch in name):
            row.problems.append(_("«{value}» is not a name", value=_short(name)))
        else:
            row.name = name
    raw_phone = cells.get("phone", "").strip()
    if raw_phone:
        try:
            row.phone = parse_phone(raw_phone)
        except InvalidPhone:
            row.problems.append(_("«{value}» is not a phone number", value=_short(raw_phone)))


def _optional(raw: str, words: Mapping[str, E]) -> tuple[E | None, bool]:
    """The value ``raw`` names (None when empty or «không rõ»), and whether it names one."""
    if not raw.strip() or fold(raw) in UNKNOWN_WORDS:
        return None, True
    found = word_of(raw, words)
    return found, found is not None


def _short(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def where(source: str, line: int, reason: str) -> str:
    """``FILE, dòng N: lý do``."""
    return _("{file}, line {line}: {reason}", file=source, line=line, reason=reason)


def problems_of(source: str, rows: Sequence[ParsedRow]) -> list[str]:
    return [where(source, row.line, problem) for row in rows for problem in row.problems]


async def check_rows(
    *, session: AsyncSession, campaign: Campaign, root: Unit, rows: Sequence[ParsedRow]
) -> tuple[list[ImportedRow], list[ParsedRow]]:
    """The rows ready to store, and every row with a problem (their ``problems`` filled in):
    the documents, sections and units they name, their dates within the campaign, and rows
    that repeat an earlier one (the same text, draft or section, sender, unit and day)."""
    documents = {
        document.code.casefold(): (document, {s.number.casefold(): s for s in sections})
        for document, sections in await documents_of(session=session, campaign=campaign)
    }
    tz = ZoneInfo(campaign.timezone)
    first, last = campaign.starts_at.astimezone(tz).date(), campaign.ends_at.astimezone(tz).date()
    units: dict[str, Unit | None] = {}
    seen: dict[str, int] = {}
    ready: list[ImportedRow] = []
    for row in rows:
        target = _target(row, campaign, documents)
        unit = root if row.unit is None else await _unit(session, root, row.unit, units)
        if unit is None:
            row.problems.append(
                _(
                    "unit {code} is not {root} nor a unit below it",
                    code=_short(row.unit or ""),
                    root=root.code,
                )
            )
        if row.day is not None and not first <= row.day <= last:
            row.problems.append(
                _(
                    "{day} is outside the consultation ({first} – {last})",
                    day=row.day.strftime("%d/%m/%Y"),
                    first=first.strftime("%d/%m/%Y"),
                    last=last.strftime("%d/%m/%Y"),
                )
            )
        if unit is not None and target is not None and row.day is not None and row.text:
            assert unit.id is not None
            print_ = import_fingerprint(row.text, unit.id, row.day, target, row.name)
            if print_ in seen:
                row.problems.append(_("the same as line {line}", line=seen[print_]))
            seen.setdefault(print_, row.line)
        if row.problems or target is None or unit is None or unit.id is None:
            continue
        assert row.day is not None and row.medium is not None
        received = Received(
            unit_id=unit.id,
            medium=row.medium,
            text=row.text,
            category=row.category,
            stance=row.stance,
            name=row.name,
            phone=row.phone,
        )
        ready.append(ImportedRow(row.line, target, received, row.day))
    return ready, [row for row in rows if row.problems]


def _target(
    row: ParsedRow,
    campaign: Campaign,
    documents: Mapping[str, tuple[Document, Mapping[str, Section]]],
) -> Target | None:
    if row.document is None:
        return Target(campaign)
    found = documents.get(row.document.casefold())
    if found is None:
        row.problems.append(
            _("the consultation has no document {code}", code=_short(row.document))
        )
        return None
    document, sections = found
    if row.section is None:
        return Target(campaign, document)
    section = sections.get(row.section.casefold())
    if section is None:
        row.problems.append(
            _(
                "document {code} has no section {number}",
                code=document.code,
                number=_short(row.section),
            )
        )
        return None
    return Target(campaign, document, section)


async def _unit(
    session: AsyncSession, root: Unit, code: str, known: dict[str, Unit | None]
) -> Unit | None:
    """The unit of ``code`` if it is ``root`` or below it (looked up once per code)."""
    if code not in known:
        unit = await get_unit(session=session, code=code)
        assert root.id is not None
        within = unit is not None and await is_within(session=session, unit=unit, root_id=root.id)
        known[code] = unit if within else None
    return known[code]
