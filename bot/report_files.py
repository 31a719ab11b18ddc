"""The consolidated report as files: a DOCX letter to forward as it is, an XLSX workbook and a
CSV table. Every word goes through gettext; the letter's fixed administrative words (ĐẢNG CỘNG
SẢN VIỆT NAM, Nơi nhận, T/M …) are part of the format (``bot.render.letter_docx``).

Call inside a language (``with i18n.context(), i18n.use_locale("vi")``): an official letter is
written in the campaign's language, not in the chat language of whoever asked for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Literal

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.comment_sheets import summary_sheet
from bot.letterheads import issuer_of, recipients_of, signature_of
from bot.render.letter_docx import (
    CountTable,
    LetterSection,
    Paragraph,
    ReportLetter,
    render_letter,
    vietnamese_number,
)
from bot.render.tables import Column, GroupHeading, Row, Sheet, write_csv, write_xlsx
from bot.report_themes import HIGHLIGHTS, theme_paragraphs, themes_section
from handlers.comment_texts import about, section_name
from handlers.count_texts import by_medium, count_lines
from handlers.format import moment, period_span, status_label, week_days, week_label
from services.consolidated import Consolidated, MissingUnit
from services.consolidated import Row as TableRow
from storage.consolidated import Filing
from storage.forms import FieldKind, FieldSpec, assessment_fields
from storage.letterheads import Letterhead
from storage.models import CommentMedium, UnitLevel

ReportFormat = Literal["docx", "xlsx", "csv"]
# A city's letter quotes this many answers per question; the workbook has them all.
QUOTED = 40
QUOTE_CUT = 1200


def render_report(
    report: Consolidated, fmt: ReportFormat, *, letterhead: Letterhead, today: date
) -> bytes:
    if fmt == "docx":
        return render_letter(letter(report, letterhead=letterhead, today=today))
    if fmt == "xlsx":
        return write_xlsx(workbook(report), tz=report.campaign.timezone, day=today)
    return write_csv(table_sheet(report), tz=report.campaign.timezone)


# --- words shared by the formats --------------------------------------------------------------


def _locale() -> str:
    return get_i18n().current_locale


def _label(spec: FieldSpec) -> str:
    return spec.text("label", _locale())


def span(report: Consolidated) -> str:
    """``từ 06/11 đến 12/11/2025``: the report's week (or weeks), named as everywhere else."""
    return week_label(report.starts_at, report.ends_at, report.campaign.timezone)


def subject(report: Consolidated) -> str:
    title = report.campaign.title
    title = title[:1].lower() + title[1:]
    if report.final_report:
        return _("final review of the campaign «{title}», {span}").format(
            title=title, span=span(report)
        )
    if report.final:
        return _("summary of the campaign «{title}», {span}").format(
            title=title, span=span(report)
        )
    return _("progress of the campaign «{title}», week {span}").format(
        title=title, span=span(report)
    )


def _noun(report: Consolidated) -> str:
    return _("cells") if report.level is UnitLevel.CELL else _("units")


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def completeness(report: Consolidated) -> str:
    """``12/15 chi bộ báo cáo đúng hạn (80%), 1 trễ hạn, 2 chưa báo cáo.``"""
    text = _(
        "{on_time}/{expected} {noun} reported on time ({rate}), {late} late, "
        "{missing} did not report."
    ).format(
        on_time=report.on_time,
        expected=report.expected,
        noun=_noun(report),
        rate=_percent(report.on_time, report.expected),
        late=report.late,
        missing=report.missing,
    )
    if report.final:
        text += " " + _("(Counted in unit-weeks over {weeks} weeks.)").format(
            weeks=len(report.periods)
        )
        current = report.open_period
        if current is not None:
            text += " " + _("The week {span} is still open until {deadline}.").format(
                span=period_span(current, report.campaign.timezone),
                deadline=moment(current.deadline_at, report.campaign.timezone),
            )
    return text


def _missing_line(report: Consolidated, missing: MissingUnit) -> str:
    filing = missing.filing
    nobody = (
        _("no secretary has joined yet")
        if report.level is UnitLevel.CELL
        else _("no official has joined yet")
    )
    who = ", ".join(filing.secretaries) or nobody
    place = f"{filing.group} — " if filing.group and filing.group_id != report.unit.id else ""
    line = f"{place}{filing.name} ({who})"
    if report.final:
        line += ": " + _missed_weeks(report, missing)
    return line


def _missed_weeks(report: Consolidated, missing: MissingUnit) -> str:
    """``tuần từ 16/10 đến 22/10/2025, tuần từ …``: the weeks a unit did not report."""
    tz = report.campaign.timezone
    return ", ".join(_("week {span}").format(span=period_span(p, tz)) for p in missing.periods)


def _change(now: int, before: int | None) -> str:
    if before is None:
        return "—"
    delta = now - before
    return f"+{vietnamese_number(delta)}" if delta > 0 else vietnamese_number(delta)


def _value_text(spec: FieldSpec, value: Any) -> str:
    if spec.kind is FieldKind.CHOICES:
        labels = {c.key: c.label.get(_locale()) or c.label["vi"] for c in spec.choices}
        return ", ".join(labels.get(key, key) for key in value or [])
    return str(value or "")


def _quote_name(report: Consolidated, filing: Filing) -> str:
    name = filing.name
    if filing.group_id != report.unit.id and filing.group:
        name = f"{filing.group} — {name}"
    if filing.revised_late:
        name += " " + _("(changed after the deadline)")
    return name


def _answers(report: Consolidated, spec: FieldSpec) -> list[tuple[str, str]]:
    """(who, answer) for a question: the unit's own answer first, then its reporting units'."""
    found = []
    own = _value_text(spec, report.own.get(spec.key)).strip()
    if own:
        found.append((report.unit.name, own))
    for filing in report.filings:
        text = _value_text(spec, filing.values.get(spec.key)).strip()
        if text:
            found.append((_quote_name(report, filing), text))
    return found


# --- the DOCX letter --------------------------------------------------------------------------


def letter(report: Consolidated, *, letterhead: Letterhead, today: date) -> ReportLetter:
    return ReportLetter(
        issuer=issuer_of(letterhead),
        number=None,
        date=today,
        subject=subject(report),
        sections=body(report),
        recipients=recipients_of(letterhead),
        signature=signature_of(letterhead),
        archive=letterhead.archive,
    )


def body(report: Consolidated) -> list[LetterSection]:
    """The letter's numbered parts: who reported, the figures, the answers, the comments, and
    (for a unit that signs) its assessment and proposals."""
    return [
        _completeness_section(report),
        _counts_section(report),
        *_answer_sections(report),
        *([_comments_section(report)] if report.comments_shown else []),
        *_themes_sections(report),
        *_assessment_sections(report),
    ]


def _themes_sections(report: Consolidated) -> list[LetterSection]:
    found = themes_section(report)
    return [found] if found is not None else []


def _assessment_sections(report: Consolidated) -> list[LetterSection]:
    """The questions only units that sign are asked («Đánh giá chung» …): the unit's own
    answer, then each signed answer of the units below, quoted with their names."""
    asked = {f.key for f in report.form.fields}
    specs = list(report.own_form.fields) if report.own_form is not None else []
    if any(f.signed is not None for f in report.filings):
        keys = {s.key for s in specs}
        specs += [s for s in assessment_fields() if s.key not in keys]
    parts = []
    for spec in specs:
        if spec.key in asked:
            continue
        paragraphs = []
        own = _value_text(spec, report.own.get(spec.key)).strip()
        if own:
            paragraphs.append(Paragraph(_cut(own)))
        for filing in report.filings:
            said = filing.signed.own.get(spec.key) if filing.signed is not None else None
            text = _value_text(spec, said).strip()
            if text:
                paragraphs.append(Paragraph(_cut(text), quote_from=_quote_name(report, filing)))
        if paragraphs:
            parts.append(LetterSection(_label(spec), paragraphs[: QUOTED + 1]))
    return parts


def _own_row_name(report: Consolidated) -> str:
    return _("{unit} (its own work)").format(unit=report.unit.name)


def _has_own_counts(report: Consolidated) -> bool:
    return any(_own_count_of(report, key) for key in report.count_keys) or any(
        isinstance(report.own.get(key), int) for key in report.count_keys
    )


def _own_count_of(report: Consolidated, key: str) -> int | None:
    """The unit's own count: typed in this report, plus (a final report) its weeks'."""
    value = report.own.get(key)
    weekly = report.own_weekly.get(key, 0)
    if isinstance(value, int):
        return value + weekly
    return weekly or None


def _row_title(report: Consolidated) -> str:
    """The first column's heading: what the rows are (the units right below)."""
    return level_noun(report.row_level)


def level_noun(level: UnitLevel) -> str:
    names = {
        UnitLevel.PROVINCE: _("Province"),
        UnitLevel.CITY: _("City"),
        UnitLevel.DISTRICT: _("District"),
        UnitLevel.WARD: _("Ward"),
        UnitLevel.CELL: _("Party cell"),
    }
    return names[level]


def _completeness_section(report: Consolidated) -> LetterSection:
    paragraphs = [Paragraph(completeness(report))]
    missing = report.missing_units()
    if missing:
        names = "; ".join(_missing_line(report, f) for f in missing[:QUOTED])
        more = len(missing) - QUOTED
        if more > 0:
            names += "; " + _("and {count} more (see the workbook)").format(count=more)
        paragraphs.append(Paragraph(_("Not reported: {names}.").format(names=names)))
    came = report.arrived_after_signing
    if came:
        tz = report.campaign.timezone
        names = "; ".join(
            f"{f.name} ({moment(f.submitted_at, tz)})" for f in came[:QUOTED] if f.submitted_at
        )
        paragraphs.append(
            Paragraph(
                _("Reports for last week that came after it was signed: {names}.").format(
                    names=names
                )
            )
        )
    signed = [f.signed for f in report.filings if f.signed is not None]
    if signed:
        expected = sum(s.expected for s in signed)
        on_time = sum(s.on_time for s in signed)
        late_below = sum(s.late for s in signed)
        paragraphs.append(
            Paragraph(
                _(
                    "In the signed reports: {on_time}/{expected} of their units reported on "
                    "time, {late} late, {missing} did not report."
                ).format(
                    on_time=on_time,
                    expected=expected,
                    late=late_below,
                    missing=expected - on_time - late_below,
                )
            )
        )
    late = [f for f in report.filings if f.revised_late]
    if late:
        paragraphs.append(
            Paragraph(
                _("Changed after the deadline (kept as late revisions): {names}.").format(
                    names="; ".join(f.name for f in late[:QUOTED])
                )
            )
        )
    return LetterSection(_("Reporting"), paragraphs)


def count_table(report: Consolidated) -> CountTable:
    specs = [f for f in report.form.fields if f.kind is FieldKind.COUNT]
    first = _row_title(report)
    rows: list[list[str | int | None]] = []
    for row in report.rows:
        filed = row.on_time + row.late
        rows.append([row.name, *(row.counts[s.key] if filed else None for s in specs)])
    if _has_own_counts(report):
        rows.append([_own_row_name(report), *(_own_count(report, s) for s in specs)])
    totals: list[str | int | None] = [_("Total"), *(report.totals[s.key] for s in specs)]
    return CountTable(
        columns=[first, *(_label(s) for s in specs)],
        rows=rows,
        totals=totals,
        caption=_("Figures reported, {span}").format(span=span(report)),
    )


def _counts_section(report: Consolidated) -> LetterSection:
    specs = [f for f in report.form.fields if f.kind is FieldKind.COUNT]
    lines = []
    for spec in specs:
        now = report.totals[spec.key]
        before = report.previous.get(spec.key) if report.previous is not None else None
        line = f"{_label(spec)}: {vietnamese_number(now)}"
        if before is not None:
            line += " " + _("(last week {before}, {change})").format(
                before=vietnamese_number(before), change=_change(now, before)
            )
        lines.append(Paragraph(line + "."))
    return LetterSection(_("Results"), lines, table=count_table(report))


def _answer_sections(report: Consolidated) -> list[LetterSection]:
    specs = [f for f in report.form.fields if f.kind is not FieldKind.COUNT]
    parts = []
    for spec in specs:
        answers = _answers(report, spec)
        paragraphs = [Paragraph(_cut(text), quote_from=who) for who, text in answers[:QUOTED]]
        if len(answers) > QUOTED:
            paragraphs.append(
                Paragraph(
                    _("… and {count} more answers (see the workbook).").format(
                        count=len(answers) - QUOTED
                    )
                )
            )
        if spec.key == HIGHLIGHTS:
            paragraphs += theme_paragraphs(report)
        if not paragraphs:
            paragraphs = [Paragraph(_("No answers."))]
        parts.append(LetterSection(_label(spec), paragraphs))
    return parts


def _cut(text: str) -> str:
    return text if len(text) <= QUOTE_CUT else text[: QUOTE_CUT - 1] + "…"


def _comments_section(report: Consolidated) -> LetterSection:
    if not report.comments_total:
        return LetterSection(
            _("Citizens' comments"), [Paragraph(_("No comments were received in this period."))]
        )
    paragraphs = [Paragraph(_comments_summary(report))]
    paragraphs += [Paragraph(line) for line in _comments_kinds(report)]
    for group in report.comments:
        target = about(group.document, group.section, _("the campaign as a whole"))
        paragraphs.append(
            Paragraph(_("{target}: {count} comments.").format(target=target, count=group.count))
        )
        for view in group.latest:
            if view.comment.text:
                paragraphs.append(
                    Paragraph(_cut(view.comment.text), quote_from=view.comment.receipt)
                )
    return LetterSection(_("Citizens' comments"), paragraphs, table=_places_table(report))


def _comments_summary(report: Consolidated) -> str:
    """«Số thư, ý kiến góp ý gửi về Ngọc Hà: 120, trong đó: thư tay 3, hội nghị, tọa đàm 5.»"""
    place = report.unit.place or report.unit.name
    line = _("Letters and comments sent to {place}: {count}").format(
        place=place, count=vietnamese_number(report.comments_total)
    )
    places = report.places
    entered = {m: n for m, n in places.by_medium.items() if m not in _TYPED} if places else {}
    if entered:
        line += _(", of which {media}").format(media=by_medium(entered, vietnamese_number))
    return line + "."


# What citizens send themselves; the letter names the other channels (paper, meetings…).
_TYPED = (CommentMedium.CHAT, CommentMedium.WEB)


def _comments_kinds(report: Consolidated) -> list[str]:
    """The stance and category sentences, each only when any comment told it."""
    if report.places is None:
        return []
    return count_lines(report.places, vietnamese_number, media=False)


def _places_table(report: Consolidated) -> CountTable | None:
    """The comments per unit right below (a city's wards, a ward's cells), with those sent
    on paper or at meetings, when there are units below and comments came from any of them."""
    places = report.places
    if places is None or not any(p.total for p in places.children):
        return None
    rows: list[list[str | int | None]] = [
        [
            p.name,
            p.total,
            p.by_medium.get(CommentMedium.LETTER, 0),
            p.by_medium.get(CommentMedium.MEETING, 0),
        ]
        for p in places.children
    ]
    if places.own:
        rows.append([_("{unit} (directly)").format(unit=report.unit.name), places.own, None, None])
    return CountTable(
        columns=[level_noun(report.row_level), _("Comments"), _("By letter"), _("At meetings")],
        rows=rows,
        totals=[
            _("Total"),
            places.total,
            places.by_medium.get(CommentMedium.LETTER, 0),
            places.by_medium.get(CommentMedium.MEETING, 0),
        ],
        caption=_("Comments per unit, {span}").format(span=span(report)),
    )


# --- the workbook and the CSV -----------------------------------------------------------------


def table_sheet(report: Consolidated) -> Sheet:
    """Reporting units × counts, with status, and the totals (the CSV is this sheet)."""
    specs = [f for f in report.form.fields if f.kind is FieldKind.COUNT]
    first = _row_title(report)
    columns = [
        Column(first, 34),
        Column(_("Expected"), 10, "int"),
        Column(_("On time"), 10, "int"),
        Column(_("Late"), 10, "int"),
        Column(_("Not reported"), 12, "int"),
        *(Column(_label(s), 16, "int") for s in specs),
        Column(_("Weeks not reported"), 40, "wrap"),
    ]
    # A ward's rows are its cells (one unit each); a city reading cells sums a ward's.
    missed = (
        {m.filing.unit_id: _missed_weeks(report, m) for m in report.missing_units()}
        if report.row_level is report.level
        else {}
    )
    rows: list[Row] = [
        [*_table_row(row, specs), missed.get(row.unit_id, "")] for row in report.rows
    ]
    if _has_own_counts(report):
        rows.append(
            [
                _own_row_name(report),
                None,
                None,
                None,
                None,
                *(_own_count(report, s) for s in specs),
                "",
            ]
        )
    totals: list[object] = [
        _("Total"),
        report.expected,
        report.on_time,
        report.late,
        report.missing,
        *(report.totals[s.key] for s in specs),
        "",
    ]
    return Sheet(title=_("Summary"), columns=columns, rows=rows, totals=totals)


def _own_count(report: Consolidated, spec: FieldSpec) -> int | None:
    return _own_count_of(report, spec.key)


def _table_row(row: TableRow, specs: Sequence[FieldSpec]) -> list[object]:
    filed = row.on_time + row.late
    return [
        row.name,
        row.expected,
        row.on_time,
        row.late,
        row.missing,
        *(row.counts[s.key] if filed else None for s in specs),
    ]


def answers_sheet(report: Consolidated) -> Sheet:
    """Every report filed: unit, week (its name, first and last day), status, time, and each
    answer. Units that did not report are in the summary, once, with the weeks they missed."""
    specs = list(report.form.fields)
    columns = [
        Column(_("Ward"), 26),
        Column(_("Party cell"), 30),
        Column(_("Week"), 26),
        Column(_("First day"), 11, "date"),
        Column(_("Last day"), 11, "date"),
        Column(_("Status"), 12),
        Column(_("Sent at"), 17, "datetime"),
        *(
            Column(
                _label(s),
                14 if s.kind is FieldKind.COUNT else 40,
                "int" if s.kind is FieldKind.COUNT else "wrap",
            )
            for s in specs
        ),
    ]
    tz = report.campaign.timezone
    weeks = {
        p.id: (period_span(p, tz), *week_days(p.starts_at, p.deadline_at, tz))
        for p in report.periods
    }

    def rows() -> Iterator[Row]:
        if report.own:
            yield [
                "",
                report.unit.name,
                *weeks.get(report.periods[-1].id, ("", None, None)),
                _("its own work"),
                report.as_of,
                *(
                    report.own.get(s.key)
                    if s.kind is FieldKind.COUNT
                    else _value_text(s, report.own.get(s.key))
                    for s in specs
                ),
            ]
        for filing in report.filings:
            if filing.status == "missing":
                continue
            status = status_label(filing.status)
            if filing.revised_late:
                status += " " + _("(changed after the deadline)")
            yield [
                filing.group or "",
                filing.name,
                *weeks.get(filing.period_id, ("", None, None)),
                status,
                filing.submitted_at,
                *(
                    filing.values.get(s.key)
                    if s.kind is FieldKind.COUNT
                    else _value_text(s, filing.values.get(s.key))
                    for s in specs
                ),
            ]

    return Sheet(title=_("Answers"), columns=columns, rows=rows())


def comments_sheet(report: Consolidated) -> Sheet:
    columns = [
        Column(_("Document"), 40),
        Column(_("Section"), 40),
        Column(_("Comments"), 12, "int"),
        Column(_("Receipt"), 12),
        Column(_("Comment"), 70, "wrap"),
    ]
    rows: list[Row] = [
        GroupHeading(_("{count} comments in all").format(count=report.comments_total))
    ]
    for group in report.comments:
        document = group.document.title if group.document else _("the campaign as a whole")
        section = section_name(group.section) if group.section else ""
        rows.append([document, section, group.count, "", ""])
        rows += [["", "", None, v.comment.receipt, v.comment.text] for v in group.latest]
    return Sheet(title=_("Comments"), columns=columns, rows=rows)


def drill_sheet(report: Consolidated) -> Sheet:
    """Units that have not signed, opened up: what each of their own units filed."""
    specs = [f for f in report.form.fields if f.kind is FieldKind.COUNT]
    columns = [
        Column(level_noun(report.level), 30),
        Column(_("Unit"), 34),
        Column(_("Status"), 14),
        Column(_("Sent at"), 17, "datetime"),
        *(Column(_label(s), 16, "int") for s in specs),
    ]
    rows: list[Row] = [
        [
            f.group or "",
            f.name,
            status_label(f.status),
            f.submitted_at,
            *(f.values.get(s.key) if f.status != "missing" else None for s in specs),
        ]
        for f in report.drill
    ]
    return Sheet(title=_("Not signed: details"), columns=columns, rows=rows)


def workbook(report: Consolidated) -> list[Sheet]:
    sheets = [table_sheet(report), answers_sheet(report)]
    if report.drill:
        sheets.append(drill_sheet(report))
    if not report.comments_shown:
        return sheets
    sheets.append(comments_sheet(report))
    places = report.places
    if places is not None and any(p.total for p in places.children):
        # The comments per unit below (a city's wards), by stance, sender and channel.
        sheets.append(summary_sheet(places))
    return sheets
