"""Import a campaign (dates, each level's weekly deadline, final report and own questions, the
form, draft documents with their sections' texts and full-text files) from YAML; upsert by code."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.cli_i18n import _
from bot.importers.campaign_levels import LevelRule, check_levels
from bot.importers.draft_files import DraftUpload, NotADraft, read_draft
from bot.importers.markdown_docs import load_documents
from bot.importers.org import Code
from bot.importers.yaml_lines import Loc, load_yaml, locate, problem_at, validate
from scheduler.clock import SystemClock
from scheduler.plan import offset_label, parse_offsets
from scheduler.quiet import QuietHours
from storage.campaigns import documents_of, get_campaign
from storage.comments import referenced
from storage.drafts import drop_files, store_file
from storage.forms import FormSpec, InvalidValue, clean_text, default_form
from storage.models import (
    Campaign,
    Deadline,
    Document,
    ReportForm,
    Section,
    Unit,
    UnitLevel,
)
from storage.units import get_unit

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
# A section's own words: a chapter of a draft is a few pages; the landing page shows them whole.
SECTION_TEXT_LIMIT = 10_000

_ENGLISH = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_VIETNAMESE = ("thu hai", "thu ba", "thu tu", "thu nam", "thu sau", "thu bay", "chu nhat")
_WEEKDAYS: dict[str, int] = {
    **{name: i for i, name in enumerate(_ENGLISH)},
    **{name: i for i, name in enumerate(_VIETNAMESE)},
    # "thứ 2" … "thứ 7", "T2" … "T7", "2" … "7": Monday is thứ Hai, the second day.
    **{f"thu {n}": n - 2 for n in range(2, 8)},
    **{f"t{n}": n - 2 for n in range(2, 8)},
    **{str(n): n - 2 for n in range(2, 8)},
    "cn": 6,
}
WEEKDAY_HINT = "use monday…sunday, thứ hai…chủ nhật, 2…7 (thứ Hai…thứ Bảy) or CN"


def _fold(text: str) -> str:
    """Lower case without diacritics: "Thứ  Tư" and "thu tu" are the same day."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def parse_weekday(value: object) -> int:
    """Monday=0 … Sunday=6 from an English or Vietnamese day name, or 2…7 for thứ Hai…thứ Bảy."""
    if isinstance(value, bool):
        raise ValueError(WEEKDAY_HINT)
    key = str(value) if isinstance(value, int) else _fold(value) if isinstance(value, str) else ""
    if key not in _WEEKDAYS:
        raise ValueError(f"'{value}' is not a day of the week; {WEEKDAY_HINT}")
    return _WEEKDAYS[key]


_TIME = re.compile(r"^(\d{1,2})(?:[:hg](\d{2})|h|g)$", re.IGNORECASE | re.ASCII)


def parse_time(value: object) -> str:
    """ "HH:MM" from "17:00", "7:30", "17h", "17h30" or "17g30" (giờ, as letters write it)."""
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"'{value}' is not a time; write it as HH:MM, for example \"17:00\"")
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"'{value}' is not a time of day; use 00:00 to 23:59")
    return f"{hour:02d}:{minute:02d}"


_VN_DATE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2})[:hg](\d{2}))?$", re.IGNORECASE | re.ASCII
)


def parse_moment(value: object) -> datetime:
    """A local date or date and time: naive means "in the campaign's time zone".

    Accepts ISO ("2025-10-15", "2025-10-15 08:00", with an offset if wanted) and the
    Vietnamese day-first form of official letters ("15/10/2025", "15/10/2025 08:00").
    A bare date means 00:00 of that day.
    """
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 - local, zoned later
    if not isinstance(value, str):
        raise ValueError('write a date as 2025-10-15 or a date and time as "2025-10-15 08:00"')
    try:
        vn = _VN_DATE.match(value)
        if vn is not None:
            day, month, year, hour, minute = (int(part or 0) for part in vn.groups())
            return datetime(year, month, day, hour, minute)  # noqa: DTZ001 - local, zoned later
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"'{value}' is not a date; write 2025-10-15 or \"2025-10-15 08:00\""
        ) from None


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{name}'; use a name such as Asia/Ho_Chi_Minh"
        ) from None
    return name


_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def _check_url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError("use a web address starting with https:// or http://")
    return value


def _check_text(value: str) -> str:
    """NFC, no control characters, Unix line ends; empty is allowed (no text given)."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    try:
        return clean_text(text, max_length=SECTION_TEXT_LIMIT)
    except InvalidValue:
        raise ValueError(
            _("the text is longer than {limit} characters", limit=SECTION_TEXT_LIMIT)
        ) from None


def _check_path(value: str) -> str:
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError(_("write the file's path on one line, without control characters"))
    return value


def _check_quiet(value: str) -> str:
    return str(QuietHours.parse(value) or "off")


def _joined(value: object) -> object:
    """``[24h, 2h]`` or ``"24h, 2h"``: both mean the same."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return value


# ``Campaign.reminders``' column: a list longer than this failed on PostgreSQL (a 500 on the
# desk) where SQLite kept it.
REMINDERS_MAX = 64


def _check_reminders(value: str) -> str:
    offsets = parse_offsets(value)
    joined = ",".join(offset_label(o) for o in offsets) or "off"
    if len(joined) > REMINDERS_MAX:
        raise ValueError("too many reminders; a few are enough, such as 24h, 2h")
    return joined


class FinalReportSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due: Annotated[datetime, BeforeValidator(parse_moment)]


class DeadlineSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: Annotated[int, BeforeValidator(parse_weekday)]
    time: Annotated[str, BeforeValidator(parse_time)]
    # The level's final summary report («Báo cáo tổng kết»), if it files one.
    final_report: FinalReportSpec | None = None
    # The level's own questions when its units sign (None: the campaign's form); checked
    # apart, like the campaign's form, so its errors point into the list.
    form: Any = None


class SectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    number: str = Field(min_length=1, max_length=16)
    heading: str = Field(min_length=1, max_length=255)
    summary: str = Field(default="", max_length=1024)
    # "text:" with nothing after it is no text, as leaving the key out.
    text: Annotated[
        str, BeforeValidator(lambda v: "" if v is None else v), AfterValidator(_check_text)
    ] = ""


class DocumentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    code: Code
    title: str = Field(min_length=1, max_length=255)
    url: Annotated[str, AfterValidator(_check_url)] | None = Field(default=None, max_length=1024)
    # The full text, PDF or DOCX, beside the campaign file; gopy keeps and serves it.
    file: Annotated[str, AfterValidator(_check_path)] | None = Field(
        default=None, min_length=1, max_length=1024
    )
    sections: list[SectionSpec] = Field(default_factory=list)


class CampaignFile(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    code: Code
    title: str = Field(min_length=1, max_length=255)
    unit: Code
    timezone: Annotated[str, AfterValidator(_check_zone)] = DEFAULT_TIMEZONE
    starts: Annotated[datetime, BeforeValidator(parse_moment)]
    ends: Annotated[datetime, BeforeValidator(parse_moment)]
    deadlines: dict[UnitLevel, DeadlineSpec] = Field(min_length=1)
    # "default" or a list of field specs; checked apart so its errors point into the list.
    form: Any = "default"
    documents: list[DocumentSpec] = Field(default_factory=list)
    # Overrides of GOPY_SCHEDULER_QUIET_HOURS and GOPY_SCHEDULER_REMINDERS for this campaign.
    quiet_hours: Annotated[str, AfterValidator(_check_quiet)] | None = None
    reminders: (
        Annotated[str, BeforeValidator(_joined), AfterValidator(_check_reminders)] | None
    ) = None


def _utc(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _form(
    value: Any, raw: Mapping[str, Any], source: str, at: tuple[str, ...] = ("form",)
) -> FormSpec:
    if value == "default":
        return default_form()
    if isinstance(value, list):
        return validate(FormSpec, {"fields": value}, source=source, root=raw, at=at)
    if isinstance(value, Mapping):
        return validate(FormSpec, value, source=source, root=raw, at=at)
    raise problem_at(raw, at, "use 'default' or a list of fields", source=source)


@dataclass(frozen=True, slots=True)
class Checked:
    """What the file means once every rule holds, before anything is written."""

    unit: Unit
    form: FormSpec
    starts: datetime
    ends: datetime
    finals: dict[UnitLevel, datetime]  # UTC
    level_forms: dict[UnitLevel, FormSpec]


def _check_unique(
    raw: Mapping[str, Any], items: Sequence[tuple[str, Loc]], what: str, source: str
) -> None:
    seen: dict[str, Loc] = {}
    for key, loc in items:
        if key in seen:
            first, _ = locate(raw, seen[key])
            where = f" (first on line {first})" if first is not None else ""
            raise problem_at(raw, loc, f"{what} '{key}' appears twice{where}", source=source)
        seen[key] = loc


def _drafts(
    spec: CampaignFile,
    raw: Mapping[str, Any],
    source: str,
    folder: Path | None,
    given: Mapping[str, DraftUpload],
) -> dict[str, DraftUpload]:
    """The full texts of the documents: read from their ``file:`` (relative to ``folder``), or
    given by the caller. All of them are read before anything is written."""
    drafts: dict[str, DraftUpload] = {}
    for i, doc in enumerate(spec.documents):
        if doc.code in given:
            drafts[doc.code] = given[doc.code]
            continue
        if doc.file is None:
            continue
        at = ("documents", i, "file")
        if folder is None:
            message = _("a file can only be named in a campaign file read from disk")
            raise problem_at(raw, at, message, source=source)
        try:
            drafts[doc.code] = read_draft(folder / doc.file, shown=doc.file)
        except NotADraft as error:
            raise problem_at(raw, at, str(error), source=source) from None
    return drafts


async def _checked(
    session: AsyncSession, spec: CampaignFile, raw: Mapping[str, Any], source: str
) -> Checked:
    """Every rule beyond the schema, checked before anything is written."""
    zone = ZoneInfo(spec.timezone)
    starts, ends = _utc(spec.starts, zone), _utc(spec.ends, zone)
    if ends <= starts:
        local = starts.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        raise problem_at(raw, ("ends",), f"must be after starts ({local})", source=source)
    unit = await get_unit(session=session, code=spec.unit)
    if unit is None:
        raise problem_at(
            raw, ("unit",), f"unknown unit '{spec.unit}'; import the units first", source=source
        )
    rules = [
        LevelRule(
            level,
            wanted.weekday,
            wanted.time,
            wanted.final_report.due if wanted.final_report else None,
            wanted.form is not None,
        )
        for level, wanted in spec.deadlines.items()
    ]
    finals = await check_levels(
        session=session,
        unit=unit,
        rules=rules,
        timezone=spec.timezone,
        starts=starts,
        ends=ends,
        raw=raw,
        source=source,
    )
    form = _form(spec.form, raw, source)
    level_forms = {
        level: _form(wanted.form, raw, source, ("deadlines", level.value, "form"))
        for level, wanted in spec.deadlines.items()
        if wanted.form is not None
    }
    docs = [(d.code, ("documents", i, "code")) for i, d in enumerate(spec.documents)]
    _check_unique(raw, docs, "document", source)
    for i, doc in enumerate(spec.documents):
        numbers = [
            (s.number, ("documents", i, "sections", j, "number"))
            for j, s in enumerate(doc.sections)
        ]
        _check_unique(raw, numbers, "section", source)
    return Checked(unit, form, starts, ends, finals, level_forms)


async def _store_form(
    session: AsyncSession, current_id: int | None, code: str, rows: list[dict[str, Any]]
) -> int:
    """The id of the form row holding ``rows`` (``current_id`` if it already does); a changed
    form is always a new row.

    Form rows are immutable: reports filed against the old form stay readable, and the bot
    may cache a parsed form by its id for as long as the process lives.
    """
    if current_id is not None:
        current = await session.get(ReportForm, current_id)
        if current is not None and current.fields == rows:
            return current_id
    form = ReportForm(name=code, fields=rows)
    session.add(form)
    await session.flush()
    assert form.id is not None
    return form.id


async def _store_deadlines(
    session: AsyncSession, campaign: Campaign, spec: CampaignFile, checked: Checked
) -> None:
    result = await session.execute(select(Deadline).where(Deadline.campaign_id == campaign.id))
    stored = {d.level: d for d in result.scalars().all()}
    assert campaign.id is not None
    for level, wanted in spec.deadlines.items():
        deadline = stored.pop(level, None) or Deadline(
            campaign_id=campaign.id, level=level, weekday=wanted.weekday, time=wanted.time
        )
        deadline.weekday, deadline.time = wanted.weekday, wanted.time
        deadline.final_due = checked.finals.get(level)
        own = checked.level_forms.get(level)
        deadline.form_id = (
            None
            if own is None
            else await _store_form(
                session, deadline.form_id, f"{spec.code}/{level.value}", own.dump()
            )
        )
        session.add(deadline)
    for gone in stored.values():
        await session.delete(gone)


async def _check_removals(
    session: AsyncSession,
    campaign: Campaign,
    spec: CampaignFile,
    raw: Mapping[str, Any],
    source: str,
) -> None:
    """A document or section that has comments or a printed QR code cannot leave the file:
    the comments would lose what they are about, and the posters would stop working."""
    if campaign.id is None:
        return
    wanted = {d.code: {s.number for s in d.sections} for d in spec.documents}
    for document, sections in await documents_of(session=session, campaign=campaign):
        gone: list[tuple[str, str, int | None, int | None]]
        if document.code not in wanted:
            gone = [("document", document.code, document.id, None)]
        else:
            gone = [
                ("section", f"{document.code}/{s.number}", None, s.id)
                for s in sections
                if s.number not in wanted[document.code]
            ]
        for what, name, document_id, section_id in gone:
            if await referenced(session=session, document_id=document_id, section_id=section_id):
                raise problem_at(
                    raw,
                    ("documents",),
                    f"{what} '{name}' has comments or a QR code; keep it in the file",
                    source=source,
                )


async def _store_documents(
    session: AsyncSession,
    campaign: Campaign,
    spec: CampaignFile,
    drafts: Mapping[str, DraftUpload],
    now: datetime,
) -> None:
    """Upsert documents by code and sections by number, so their ids stay stable; drop the rest.

    A document's full text follows the file: kept when the same, replaced when changed, and
    dropped when the file names none, as any other key left out.
    """
    assert campaign.id is not None
    result = await session.execute(select(Document).where(Document.campaign_id == campaign.id))
    stored = {d.code: d for d in result.scalars().all()}
    kept: list[tuple[Document, DocumentSpec]] = []
    for position, wanted in enumerate(spec.documents):
        doc = stored.pop(wanted.code, None) or Document(
            campaign_id=campaign.id, code=wanted.code, title=wanted.title
        )
        doc.title, doc.url, doc.position = wanted.title, wanted.url, position
        session.add(doc)
        kept.append((doc, wanted))
    gone_ids = [d.id for d in stored.values() if d.id is not None]
    if gone_ids:
        await drop_files(session=session, document_ids=gone_ids)
        await session.execute(delete(Section).where(col(Section.document_id).in_(gone_ids)))
        await session.execute(delete(Document).where(col(Document.id).in_(gone_ids)))
    await session.flush()
    for doc, wanted in kept:
        assert doc.id is not None
        rows = await session.execute(select(Section).where(Section.document_id == doc.id))
        sections = {s.number: s for s in rows.scalars().all()}
        for position, item in enumerate(wanted.sections):
            section = sections.pop(item.number, None) or Section(
                document_id=doc.id, number=item.number, heading=item.heading
            )
            section.heading, section.summary = item.heading, item.summary
            section.text, section.position = item.text, position
            session.add(section)
        for gone in sections.values():
            await session.delete(gone)
        draft = drafts.get(wanted.code)
        if draft is None:
            await drop_files(session=session, document_ids=[doc.id])
        else:
            await store_file(
                session=session,
                document_id=doc.id,
                name=draft.name,
                content_type=draft.content_type,
                data=draft.data,
                now=now,
            )
    await session.flush()


async def import_campaign_data(
    *,
    session: AsyncSession,
    data: Mapping[str, Any],
    source: str = "<data>",
    folder: Path | None = None,
    drafts: Mapping[str, DraftUpload] | None = None,
    now: datetime | None = None,
) -> Campaign:
    """Create or update the campaign described by ``data`` (as read by ``load_yaml``).

    A document's ``file:`` is read from ``folder`` (the campaign file's); ``drafts`` are full
    texts the caller already holds, by document code, in place of a ``file:`` (the demo draws
    its own). Nothing is written if any problem is found; the caller commits.
    """
    spec = validate(CampaignFile, data, source=source)
    checked = await _checked(session, spec, data, source)
    unit, starts, ends = checked.unit, checked.starts, checked.ends
    campaign = await get_campaign(session=session, code=spec.code)
    if campaign is not None:
        await _check_removals(session, campaign, spec, data, source)
    # Last of the checks: up to 25 MB a file, not read for a file that fails on a typo.
    found = _drafts(spec, data, source, folder, drafts or {})
    form_id = await _store_form(
        session, campaign.form_id if campaign else None, spec.code, checked.form.dump()
    )
    assert unit.id is not None
    if campaign is None:
        campaign = Campaign(
            code=spec.code,
            title=spec.title,
            unit_id=unit.id,
            form_id=form_id,
            timezone=spec.timezone,
            starts_at=starts,
            ends_at=ends,
        )
    else:
        campaign.title, campaign.unit_id, campaign.form_id = spec.title, unit.id, form_id
        campaign.timezone, campaign.starts_at, campaign.ends_at = spec.timezone, starts, ends
    campaign.quiet_hours, campaign.reminders = spec.quiet_hours, spec.reminders
    session.add(campaign)
    await session.flush()
    await _store_deadlines(session, campaign, spec, checked)
    await _store_documents(session, campaign, spec, found, now or SystemClock().now())
    return campaign


async def import_campaign(
    *, session: AsyncSession, path: Path, now: datetime | None = None
) -> Campaign:
    """Create or update the campaign of a YAML file; problems name the file and line.

    ``documents: drafts.md`` reads the documents from a Markdown file beside it
    (``bot.importers.markdown_docs``); a document's ``file:`` is beside it too.
    """
    data = load_yaml(path)
    documents = data.get("documents")
    if isinstance(documents, str):
        data["documents"] = load_documents(path.parent / documents)
    return await import_campaign_data(
        session=session, data=data, source=path.name, folder=path.parent, now=now
    )
