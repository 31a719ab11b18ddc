"""Reports a unit signs («Ký và gửi»): stored as revisions of the unit's report, one signature
at a time, with the files made when it was signed.

A signed report's values are what the unit signed: its own answers, the sums of its children
as they stood, and the totals the level above adds up (``SignedValues``). Two officials
signing at once: the one who signed what the other had not seen wins; the other is told.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from storage.models import Period, Person, Report, ReportRevision, SignedFile, Unit
from storage.reports import Filed, add_revision, create_report, get_report, latest_revision

SIGNED = "signed"


@dataclass(frozen=True, slots=True)
class SignedValues:
    """What a revision of a signed report holds (``ReportRevision.values``)."""

    own: dict[str, Any]  # the unit's own answers, the assessment among them
    children: dict[str, int]  # the counts its reporting units had filed, summed
    totals: dict[str, int]  # children + own: what the level above adds up
    as_of: str  # ISO moment the children's filings were read at
    expected: int  # reporting units counted, and how they stood
    on_time: int
    late: int

    def dump(self) -> dict[str, Any]:
        return {
            "kind": SIGNED,
            "own": dict(self.own),
            "children": dict(self.children),
            "totals": dict(self.totals),
            "as_of": self.as_of,
            "expected": self.expected,
            "on_time": self.on_time,
            "late": self.late,
        }

    @classmethod
    def load(cls, values: dict[str, Any]) -> SignedValues | None:
        """The signed values, or None for a cell's plain answers (a form may well have a
        question keyed ``kind``: the whole shape is checked, not one key)."""
        shaped = all(isinstance(values.get(key), dict) for key in ("own", "children", "totals"))
        if values.get("kind") != SIGNED or not shaped or not isinstance(values.get("as_of"), str):
            return None
        return cls(
            own=dict(values.get("own") or {}),
            children={k: int(v) for k, v in (values.get("children") or {}).items()},
            totals={k: int(v) for k, v in (values.get("totals") or {}).items()},
            as_of=str(values.get("as_of") or ""),
            expected=int(values.get("expected") or 0),
            on_time=int(values.get("on_time") or 0),
            late=int(values.get("late") or 0),
        )

    def as_answers(self) -> dict[str, Any]:
        """The values the level above reads, as if the unit had filed them: its own texts and
        choices, and the counts of its whole subtree."""
        return {**self.own, **self.totals}


async def sign_report(
    *,
    session: AsyncSession,
    period: Period,
    unit: Unit,
    values: SignedValues,
    person: Person,
    now: datetime,
    seen: int,
    channel: str = "",
) -> Filed | None:
    """Store ``values`` as the next revision of the unit's report, if it still has ``seen``
    revisions (what the signer was shown); None when someone signed in between.

    The check and the count are one UPDATE (or the INSERT of the report row), so of two
    signatures made on the same revision exactly one is stored, on SQLite and PostgreSQL.
    """
    dumped = values.dump()
    report = await get_report(session=session, period=period, unit=unit)
    if report is None:
        if seen != 0:
            return None
        created = await create_report(session, period, unit, now)
        if created is None:  # another signature created it first
            return None
        revision = await add_revision(session, created, 1, dumped, person, now, period, channel)
        return Filed(created, revision, period)
    if report.revisions != seen:
        return None
    result = await session.execute(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.revisions) == seen)
        .values(revisions=seen + 1, last_submitted_at=now)
        .returning(col(Report.revisions))
        .execution_options(synchronize_session=False)
    )
    number = result.scalar_one_or_none()
    if number is None:
        return None
    set_committed_value(report, "revisions", int(number))
    set_committed_value(report, "last_submitted_at", now)
    revision = await add_revision(
        session, report, int(number), dumped, person, now, period, channel
    )
    return Filed(report, revision, period)


async def signed_state(
    *, session: AsyncSession, period: Period, unit: Unit
) -> tuple[Report | None, ReportRevision | None]:
    """The unit's report for ``period`` and its latest revision (None, None: not signed)."""
    report = await get_report(session=session, period=period, unit=unit)
    if report is None:
        return None, None
    return report, await latest_revision(session=session, report=report)


async def store_files(
    *, session: AsyncSession, revision: ReportRevision, files: dict[str, tuple[str, bytes]]
) -> None:
    """Keep the files made at signing (format → (file name, bytes))."""
    assert revision.id is not None
    for fmt, (filename, content) in files.items():
        session.add(
            SignedFile(
                revision_id=revision.id,
                format=fmt,
                filename=filename,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    await session.flush()


async def signed_file(*, session: AsyncSession, revision_id: int, fmt: str) -> SignedFile | None:
    result = await session.execute(
        select(SignedFile).where(SignedFile.revision_id == revision_id, SignedFile.format == fmt)
    )
    return result.scalar_one_or_none()
