"""Citizens' comments as CSV or XLSX, grouped by document and section, for the officials."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.render.tables import Column, GroupHeading, Row, Sheet, write_csv, write_xlsx


@dataclass(frozen=True)
class CommentRow:
    """One comment as the export shows it.

    There is no person or chat id on purpose: an export travels by e-mail and on USB sticks,
    and must never carry messenger ids.
    """

    document: str
    section: str | None  # None: a general comment on the document or the campaign
    receipt: str
    created_at: datetime  # aware
    text: str
    author: str | None  # None: anonymous
    phone: str | None
    photos: int
    status: str  # already translated
    reply: str | None  # the latest official reply
    channel: str
    unit: str = ""  # the unit it counts for
    medium: str = ""  # already translated, like the stance and category
    stance: str = ""
    category: str = ""
    theme: str = ""  # its group of opinions («nhóm ý kiến»)


@dataclass(frozen=True)
class ExportLabels:
    """Every word the export prints, translated by the caller.

    ``heading`` opens each group, with the fields ``{document}``, ``{section}`` (``general``
    for a comment on no section) and ``{count}``, e.g. "{document} — {section} ({count} ý kiến)".
    """

    sheet: str
    receipt: str
    created_at: str
    document: str
    section: str
    text: str
    author: str
    phone: str
    photos: str
    status: str
    reply: str
    channel: str
    anonymous: str
    general: str
    heading: str
    unit: str
    medium: str
    stance: str
    category: str
    theme: str

    def __post_init__(self) -> None:
        # A broken translation fails here, before a long export is half written.
        self.heading.format(document="", section="", count=0)


def comments_sheet(rows: Iterable[CommentRow], labels: ExportLabels) -> Sheet:
    """The comments as a sheet, a heading with its count before each (document, section).

    ``rows`` must come sorted so that each group is contiguous (by document, section, then
    time); only one group is held in memory at a time.
    """
    columns = (
        Column(labels.receipt, 12),
        Column(labels.created_at, 17, "datetime"),
        Column(labels.document, 28),
        Column(labels.section, 32),
        Column(labels.text, 60, "wrap"),
        Column(labels.author, 22),
        Column(labels.phone, 14),
        Column(labels.photos, 8, "int"),
        Column(labels.status, 16),
        Column(labels.reply, 45, "wrap"),
        Column(labels.channel, 10),
        Column(labels.unit, 28),
        Column(labels.medium, 16),
        Column(labels.stance, 16),
        Column(labels.category, 18),
        Column(labels.theme, 30, "wrap"),
    )
    return Sheet(title=labels.sheet, columns=columns, rows=_grouped(rows, labels))


def export_comments(
    rows: Iterable[CommentRow],
    labels: ExportLabels,
    fmt: Literal["csv", "xlsx"],
    tz: str,
    summary: Sheet | None = None,
) -> bytes:
    """The comments export as file bytes; times shown in the campaign's time zone ``tz``;
    ``summary``: a second sheet of counts (XLSX only)."""
    sheet = comments_sheet(rows, labels)
    if fmt == "csv":
        return write_csv(sheet, tz=tz)
    return write_xlsx([sheet] if summary is None else [sheet, summary], tz=tz)


def _grouped(rows: Iterable[CommentRow], labels: ExportLabels) -> Iterator[Row]:
    for (document, section), group in itertools.groupby(
        rows, key=lambda row: (row.document, row.section)
    ):
        # The heading shows the group's size before its rows: hold this group, not the export.
        members = list(group)
        target = labels.general if section is None else section
        yield GroupHeading(
            labels.heading.format(document=document, section=target, count=len(members))
        )
        for row in members:
            yield (
                row.receipt,
                row.created_at,
                row.document,
                target,
                row.text,
                labels.anonymous if row.author is None else row.author,
                row.phone,
                row.photos,
                row.status,
                row.reply,
                row.channel,
                row.unit,
                row.medium,
                row.stance,
                row.category,
                row.theme,
            )
