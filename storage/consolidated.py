"""What each reporting unit had filed for a period by a given moment: the rows of a
consolidated report. Set-based, like ``storage.completeness``: a city of 10,000 cells is a
handful of queries.

"As of" makes a report reproducible: a revision sent after the report was made is not in it,
and shows up (flagged as late) in the next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.completeness import subtree
from storage.models import Period, Person, Report, ReportRevision, Role, Unit, UnitLevel
from storage.signed import SignedValues
from storage.units import filer_role

# Up to this many units, their reports and signers are looked up by the units' ids: the
# planner then knows how few rows to expect. Joined to the recursive tree instead, PostgreSQL
# guesses ~30,000 units for any tree and scans every revision of every period twice (a ward's
# 300 cells: 50-70 ms a call instead of a few). For more units, scanning is the right plan.
LISTED_UNITS = 2_000


def _within(query: Any, column: Any, tree: Any, ids: list[int]) -> Any:
    """``query`` kept to the rows whose ``column`` is one of ``ids`` (the tree's units)."""
    if len(ids) <= LISTED_UNITS:
        return query.where(column.in_(ids))
    return query.join(tree, tree.c.id == column)


@dataclass(slots=True)
class Filing:
    """One reporting unit in one period, as of the report's moment."""

    unit_id: int
    name: str
    period_id: int
    group_id: int | None  # the unit above (a cell's ward)
    group: str | None
    status: str = "missing"  # "on_time", "late" or "missing"
    values: dict[str, Any] = field(default_factory=dict)
    # The values come from a revision sent after the deadline (a flagged late revision).
    revised_late: bool = False
    submitted_at: datetime | None = None
    secretaries: list[str] = field(default_factory=list)
    # For a unit that signs its report (a ward, for a city): what it signed.
    signed: SignedValues | None = None


async def filings_as_of(
    *,
    session: AsyncSession,
    root_id: int | Sequence[int],
    level: UnitLevel,
    period: Period,
    as_of: datetime,
) -> list[Filing]:
    """Every unit of ``level`` under ``root_id`` (or several roots), ordered by code, with the
    latest revision of its report for ``period`` sent by ``as_of`` (none: missing then)."""
    tree = subtree(root_id, down_to=level)
    parent = aliased(Unit)
    units: Any = await session.execute(
        select(col(Unit.id), col(Unit.name), col(Unit.parent_id), col(parent.name).label("group"))
        .join(tree, tree.c.id == col(Unit.id))
        .outerjoin(parent, col(parent.id) == col(Unit.parent_id))
        .where(col(Unit.level) == level)
        .order_by(col(Unit.code))
    )
    assert period.id is not None
    filings = {
        row.id: Filing(row.id, row.name, period.id, row.parent_id, row.group)
        for row in units.all()
    }
    ids = list(filings)
    # Only the tree's reports: a ward's report must not read a whole city's JSON values.
    latest = (
        _within(
            select(
                col(ReportRevision.report_id).label("report_id"),
                func.max(col(ReportRevision.number)).label("number"),
            ).join(Report, col(Report.id) == col(ReportRevision.report_id)),
            col(Report.unit_id),
            tree,
            ids,
        )
        .where(col(Report.period_id) == period.id, col(ReportRevision.submitted_at) <= as_of)
        .group_by(col(ReportRevision.report_id))
        .subquery()
    )
    revisions = await session.execute(
        select(
            col(Report.unit_id),
            col(Report.on_time),
            col(ReportRevision.values),
            col(ReportRevision.late),
            col(ReportRevision.number),
            col(ReportRevision.submitted_at),
        )
        .join(latest, latest.c.report_id == col(Report.id))
        .join(
            ReportRevision,
            and_(
                col(ReportRevision.report_id) == latest.c.report_id,
                col(ReportRevision.number) == latest.c.number,
            ),
        )
    )
    for row in revisions.all():
        filing = filings.get(row.unit_id)
        if filing is None:  # a unit outside the tree (the period is shared by the campaign)
            continue
        filing.status = "on_time" if row.on_time else "late"
        signed = SignedValues.load(row.values)
        filing.signed = signed
        filing.values = signed.as_answers() if signed is not None else dict(row.values)
        filing.revised_late = bool(row.late) and row.number > 1
        filing.submitted_at = row.submitted_at
    # Cells' secretaries file; above the cells the unit's officials sign.
    filer = filer_role(level)
    secretaries = await session.execute(
        _within(
            select(col(Role.unit_id), col(Person.full_name)).join(
                Person, col(Person.id) == col(Role.person_id)
            ),
            col(Role.unit_id),
            tree,
            ids,
        )
        .where(col(Role.kind) == filer, col(Role.active).is_(True))
        .order_by(col(Role.id))
    )
    for unit_id, name in secretaries.all():
        if unit_id in filings:
            filings[unit_id].secretaries.append(name)
    return list(filings.values())
