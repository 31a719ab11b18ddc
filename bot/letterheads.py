"""A unit's letterhead (``storage.letterheads``) in the terms of the DOCX letter
(``bot.render.letter_docx``): its issuer, recipients and signing block, and the lines they print
as, for the chat's preview."""

from __future__ import annotations

from datetime import date

from bot.render.letter_docx import (
    Issuer,
    LetterWords,
    Recipient,
    Signature,
    recipient_lines,
    signature_heads,
)
from storage.letterheads import Letterhead


def issuer_of(letterhead: Letterhead) -> Issuer:
    return Issuer(
        parent=letterhead.parent,
        name=letterhead.issuer,
        short=letterhead.sign,
        place=letterhead.place,
    )


def recipients_of(letterhead: Letterhead) -> list[Recipient]:
    return [Recipient(r.name, r.purpose) for r in letterhead.recipients]


def signature_of(letterhead: Letterhead) -> Signature:
    signer = letterhead.signer
    return Signature(
        on_behalf=signer.body, title=signer.title, name=signer.name, deputy=signer.mode == "K/T"
    )


def letterhead_lines(letterhead: Letterhead, today: date) -> list[str]:
    """The letterhead's parts as the letter prints them, one line each, for a preview."""
    words = LetterWords()
    issuer = issuer_of(letterhead)
    heads = signature_heads(signature_of(letterhead), words)
    return [
        *([issuer.parent.upper()] if issuer.parent else []),
        issuer.name.upper(),
        words.number.format(number="…", short=issuer.short),
        words.date.format(place=issuer.place, day=today.day, month=today.month, year=today.year),
        words.recipients,
        *recipient_lines(recipients_of(letterhead), letterhead.archive),
        *(line.upper() for line in heads),
        *([letterhead.signer.name] if letterhead.signer.name else []),
    ]
