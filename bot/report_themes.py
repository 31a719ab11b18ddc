"""The letter's «Những vấn đề nổi bật, nhóm ý kiến» part: per document and section, the
period's largest groups of opinions with their counts and one or two short quotes."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.render.letter_docx import LetterSection, Paragraph, vietnamese_number
from handlers.comment_texts import about
from scheduler.consolidated import Consolidated

# A quote stands for its theme: a sentence or two, not the whole letter a citizen wrote.
SHORT = 240


def short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SHORT else flat[: SHORT - 1].rstrip() + "…"


def themes_section(report: Consolidated) -> LetterSection | None:
    """None when no document or section has themes in the period."""
    if not report.themes:
        return None
    paragraphs = []
    for group in report.themes:
        target = about(group.document, group.section, _("the campaign as a whole"))
        paragraphs.append(Paragraph(_("{target}:").format(target=target)))
        for theme in group.themes:
            label = theme.label if theme.theme_id is not None else _("Other opinions")
            paragraphs.append(
                Paragraph(
                    _("{theme}: {count} comments.").format(
                        theme=label, count=vietnamese_number(theme.count)
                    )
                )
            )
            if theme.theme_id is not None:
                paragraphs += [
                    Paragraph(short(q.text), quote_from=q.receipt) for q in theme.quotes
                ]
    return LetterSection(_("Main issues and groups of opinions"), paragraphs)
