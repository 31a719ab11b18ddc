"""The comments counted per unit as a sheet: the comment export's and the report workbook's."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.render.tables import Column, Row, Sheet
from handlers.count_texts import category_label, medium_label, stance_label
from storage.comment_counts import Place, PlaceCounts
from storage.models import AuthorCategory, CommentMedium, Stance


def summary_sheet(counts: PlaceCounts) -> Sheet:
    """The comments per unit right below (a city's wards, a ward's cells) × stance, sender
    and channel; the unit's own (the place not known) on its own row; totals at the foot."""
    columns = [
        Column(_("Unit"), 34),
        Column(_("Comments"), 10, "int"),
        *(Column(stance_label(s), 12, "int") for s in Stance),
        *(Column(category_label(c), 12, "int") for c in AuthorCategory),
        *(Column(medium_label(m), 12, "int") for m in CommentMedium),
    ]

    def cells(total: int, tally: Place | PlaceCounts) -> list[int]:
        return [
            total,
            *(tally.by_stance.get(s, 0) for s in Stance),
            *(tally.by_category.get(c, 0) for c in AuthorCategory),
            *(tally.by_medium.get(m, 0) for m in CommentMedium),
        ]

    rows: list[Row] = [[place.name, *cells(place.total, place)] for place in counts.children]
    totals = cells(counts.total, counts)
    if counts.own:
        # The unit's own: the totals less what its units below got.
        below = [cells(p.total, p) for p in counts.children]
        rows.append(
            [
                _("Sent to the unit itself"),
                *(total - sum(int(b[i]) for b in below) for i, total in enumerate(totals)),
            ]
        )
    return Sheet(
        title=_("Comments per unit"), columns=columns, rows=rows, totals=[_("Total"), *totals]
    )
