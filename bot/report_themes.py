"""The letter's «Những vấn đề nổi bật, nhóm ý kiến»: per document and section, the period's
largest groups of citizens' opinions with their counts and one or two short quotes. They go
after the units' own answers to the form's question of that name (``HIGHLIGHTS``), or in a
part of their own when the form has no such question."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.render.letter_docx import LetterSection, Paragraph, vietnamese_number
from handlers.comment_texts import about
from services.consolidated import Consolidated

# A quote stands for its theme: a sentence or two, not the whole letter a citizen wrote.
SHORT = 240


def short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SHORT else flat[: SHORT - 1].rstrip() + "…"


HIGHLIGHTS = "highlights"  # the form's question «Vấn đề nổi bật, nhóm ý kiến»


def theme_paragraphs(report: Consolidated) -> list[Paragraph]:
    """The groups of opinions as paragraphs; none when no section has themes in the period."""
    if not report.comments_shown or not report.themes:
        return []
    paragraphs = [Paragraph(_("Groups of citizens' comments:"))]
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
    return paragraphs


def themes_section(report: Consolidated) -> LetterSection | None:
    """A part of its own, for a form without the «nhóm ý kiến» question; else None."""
    if any(f.key == HIGHLIGHTS for f in report.form.fields):
        return None
    paragraphs = theme_paragraphs(report)
    if not paragraphs:
        return None
    return LetterSection(_("Main issues and groups of opinions"), paragraphs)
