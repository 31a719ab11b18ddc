"""How a unit writes its letters: the issuing body's lines, the number's sign, the place, the
recipients with their purposes, the archive line and the signer block.

Stored in ``Unit.letterhead`` as the keys that differ from the defaults, so that a unit that
never said otherwise follows its name, its parent and its level as they change. The defaults
are the letter gopy always wrote: "T/M ĐẢNG ỦY / BÍ THƯ", sent to the parent unit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Unit, UnitLevel

SignMode = Literal["T/M", "K/T"]
MODES: tuple[SignMode, ...] = ("T/M", "K/T")
# The issuer's sign in the number line "Số 12-BC/ĐU": a ward's Đảng ủy, a city's Thành ủy.
# Part of the administrative format: not translated.
SIGNS = {UnitLevel.WARD: "ĐU", UnitLevel.CITY: "TU"}
DEFAULT_SIGN = "ĐU"
DEFAULT_ARCHIVE = "Lưu Văn phòng Đảng ủy"

# Limits of what a person may type; a letterhead line longer than these would not fit.
MAX_LINE = 200
MAX_PLACE = 128
MAX_SIGN = 32
MAX_PURPOSE = 100
MAX_RECIPIENTS = 20
MAX_SIGNER = 100
# Letters of any script, digits, '-' and '.': "ĐU", "BTGDVTU", "BTGDVTW-BCĐ".
_SIGN = re.compile(r"^[\w.-]+$")
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# A purpose in brackets at the end of a line: "Thường trực Tỉnh ủy (b/c)".
_PURPOSE = re.compile(r"^(?P<name>.*?)[\s,;]*\((?P<purpose>[^()]*)\)$")
# What people put around a recipient when they copy a letter: "- X,", "• X;", "+ X."
_BULLET = " \t-–—•+*"
_END = " \t,;."
_ARCHIVE = "lưu "


class LetterheadProblem(ValueError):
    """What is wrong with a typed or imported letterhead; ``reason`` names the rule broken."""

    def __init__(self, reason: str, *, part: str, limit: int = 0) -> None:
        super().__init__(f"{part}: {reason}" + (f" ({limit})" if limit else ""))
        self.reason = reason  # "empty", "too_long", "too_many", "bad_sign", "bad_mode"…
        self.part = part  # "issuer", "parent", "sign", "place", "recipient", "signer"…
        self.limit = limit


@dataclass(frozen=True)
class Recipient:
    """A line of «Nơi nhận:»: who, and why it is sent there ("để báo cáo"; may be empty)."""

    name: str
    purpose: str = ""


@dataclass(frozen=True)
class Signer:
    """The signing block: "T/M ĐẢNG ỦY / BÍ THƯ / name" or "K/T TRƯỞNG BAN / PHÓ TRƯỞNG BAN".

    For K/T, ``body`` is the head's title (the deputy signs in the head's stead) and ``title``
    the deputy's own.
    """

    mode: SignMode = "T/M"
    body: str = "ĐẢNG ỦY"
    title: str = "BÍ THƯ"
    name: str = ""


@dataclass(frozen=True)
class Letterhead:
    """Everything of a letter that is the unit's own, not the report's."""

    parent: str = ""  # the line above the issuer: "Thành ủy Hà Nội"
    issuer: str = ""  # "Ban Tuyên giáo và Dân vận", printed bold
    sign: str = DEFAULT_SIGN  # "Số 38-BC/<sign>"
    place: str = ""  # "Hà Nội, ngày …"
    recipients: tuple[Recipient, ...] = ()
    archive: str = DEFAULT_ARCHIVE  # the last line of «Nơi nhận:», "Lưu VT, TT - TH"
    signer: Signer = field(default_factory=Signer)

    def to_json(self) -> dict[str, Any]:
        return {
            "parent": self.parent,
            "issuer": self.issuer,
            "sign": self.sign,
            "place": self.place,
            "recipients": [{"name": r.name, "purpose": r.purpose} for r in self.recipients],
            "archive": self.archive,
            "signer": {
                "mode": self.signer.mode,
                "body": self.signer.body,
                "title": self.signer.title,
                "name": self.signer.name,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, over: Letterhead | None = None) -> Letterhead:
        """The letterhead of ``data``; a key missing or of the wrong type keeps ``over``'s
        value (the class defaults without it): old rows and hand-edited JSON still load."""
        base = over if over is not None else cls()
        signer = data.get("signer")
        recipients = data.get("recipients")
        return cls(
            parent=_text(data, "parent", base.parent),
            issuer=_text(data, "issuer", base.issuer),
            sign=_text(data, "sign", base.sign),
            place=_text(data, "place", base.place),
            recipients=(
                tuple(_recipients(recipients)) if isinstance(recipients, list) else base.recipients
            ),
            archive=_text(data, "archive", base.archive),
            signer=_signer(signer, base.signer) if isinstance(signer, Mapping) else base.signer,
        )


def _text(data: Mapping[str, Any], key: str, default: str) -> str:
    value = data.get(key)
    return nfc(value) if isinstance(value, str) else default


def _recipients(items: Iterable[Any]) -> Iterable[Recipient]:
    for item in items:
        if isinstance(item, str):
            yield Recipient(nfc(item))
        elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
            yield Recipient(nfc(item["name"]), _text(item, "purpose", ""))


def _signer(data: Mapping[str, Any], base: Signer) -> Signer:
    mode = data.get("mode")
    return Signer(
        mode=mode if mode in MODES else base.mode,
        body=_text(data, "body", base.body),
        title=_text(data, "title", base.title),
        name=_text(data, "name", base.name),
    )


def nfc(text: str) -> str:
    """NFC, single spaces, no outer blanks, no control characters: Vietnamese arrives composed
    and decomposed, and a pasted line may carry anything."""
    text = unicodedata.normalize("NFC", text)
    return " ".join(
        "".join(c for c in text if unicodedata.category(c) != "Cc" or c.isspace()).split()
    )


# --- defaults and storage ---------------------------------------------------------------------


def default_letterhead(unit: Unit, parent: Unit | None) -> Letterhead:
    """The letter as gopy always wrote it: the unit under its parent, sent to the parent."""
    return Letterhead(
        parent=parent.name if parent else "",
        issuer=unit.name,
        sign=SIGNS.get(unit.level, DEFAULT_SIGN),
        place=unit.place or unit.name,
        recipients=(Recipient(parent.name),) if parent else (),
    )


async def _parent(session: AsyncSession, unit: Unit) -> Unit | None:
    return await session.get(Unit, unit.parent_id) if unit.parent_id else None


async def letterhead_of(*, session: AsyncSession, unit: Unit) -> Letterhead:
    """The unit's letterhead: what it stored over the defaults."""
    default = default_letterhead(unit, await _parent(session, unit))
    if not unit.letterhead:
        return default
    return Letterhead.from_json(unit.letterhead, over=default)


def differences(letterhead: Letterhead, default: Letterhead) -> dict[str, Any]:
    """The keys of ``letterhead`` that differ from ``default`` (the signer key by key)."""
    mine, theirs = letterhead.to_json(), default.to_json()
    changed = {key: value for key, value in mine.items() if value != theirs[key]}
    if "signer" in changed:
        changed["signer"] = {
            key: value for key, value in mine["signer"].items() if value != theirs["signer"][key]
        }
    return changed


async def set_letterhead(*, session: AsyncSession, unit: Unit, letterhead: Letterhead) -> None:
    """Store ``letterhead`` (checked first) as its differences from the unit's defaults.

    The caller commits.
    """
    check(letterhead)
    default = default_letterhead(unit, await _parent(session, unit))
    unit.letterhead = differences(letterhead, default) or None
    session.add(unit)
    await session.flush()


async def set_report_email(*, session: AsyncSession, unit: Unit, email: str | None) -> None:
    """Store where the unit's signed reports go by e-mail (None: nowhere). The caller commits."""
    unit.report_email = check_email(email) if email else None
    session.add(unit)
    await session.flush()


# --- rules ------------------------------------------------------------------------------------


def _line(text: str, *, part: str, limit: int, required: bool = True) -> str:
    if "\n" in text or "\r" in text:
        raise LetterheadProblem("one_line", part=part)
    text = nfc(text)
    if required and not text:
        raise LetterheadProblem("empty", part=part)
    if len(text) > limit:
        raise LetterheadProblem("too_long", part=part, limit=limit)
    return text


def check_sign(text: str) -> str:
    sign = _line(text, part="sign", limit=MAX_SIGN).removeprefix("-").removeprefix("BC/")
    if not _SIGN.match(sign):
        raise LetterheadProblem("bad_sign", part="sign")
    return sign


def check_email(text: str) -> str:
    email = _line(text, part="email", limit=255)
    if not _EMAIL.match(email):
        raise LetterheadProblem("bad_email", part="email")
    return email


def check(letterhead: Letterhead) -> Letterhead:
    """``letterhead`` if every part is within the rules; LetterheadProblem otherwise."""
    _line(letterhead.parent, part="parent", limit=MAX_LINE, required=False)
    _line(letterhead.issuer, part="issuer", limit=MAX_LINE)
    check_sign(letterhead.sign)
    _line(letterhead.place, part="place", limit=MAX_PLACE)
    if len(letterhead.recipients) > MAX_RECIPIENTS:
        raise LetterheadProblem("too_many", part="recipients", limit=MAX_RECIPIENTS)
    for recipient in letterhead.recipients:
        _line(recipient.name, part="recipient", limit=MAX_LINE)
        _line(recipient.purpose, part="purpose", limit=MAX_PURPOSE, required=False)
    _line(letterhead.archive, part="archive", limit=MAX_LINE, required=False)
    signer = letterhead.signer
    if signer.mode not in MODES:
        raise LetterheadProblem("bad_mode", part="signer")
    _line(signer.body, part="signer", limit=MAX_SIGNER)
    _line(signer.title, part="signer", limit=MAX_SIGNER)
    _line(signer.name, part="signer", limit=MAX_SIGNER, required=False)
    return letterhead


# --- what people type -------------------------------------------------------------------------


def _typed_lines(text: str) -> list[str]:
    # Lines as a person types them: not str.splitlines, which also splits on \x1c–\x1e.
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in map(nfc, raw) if line]


def parse_recipient(line: str) -> Recipient:
    """ "- Thường trực Tỉnh ủy (b/c)," → Recipient("Thường trực Tỉnh ủy", "b/c")."""
    text = nfc(line).lstrip(_BULLET).rstrip(_END)
    found = _PURPOSE.match(text)
    if found is None:
        return Recipient(text)
    name = found["name"].rstrip(_END)
    purpose = nfc(found["purpose"])
    if not name:  # "(để biết)" alone is a name, not a purpose of nobody
        return Recipient(text)
    return Recipient(name, purpose)


def recipient_line(recipient: Recipient) -> str:
    """What ``parse_recipient`` reads back: "name (purpose)", or the name alone."""
    return f"{recipient.name} ({recipient.purpose})" if recipient.purpose else recipient.name


def parse_recipients(text: str) -> tuple[tuple[Recipient, ...], str | None]:
    """Recipients typed one per line as "name (purpose)"; a line "Lưu …" is the archive line.

    The archive is None when no such line was typed. Checked: LetterheadProblem if a line is
    too long or there are too many.
    """
    recipients: list[Recipient] = []
    archive: str | None = None
    for line in _typed_lines(text):
        bare = line.lstrip(_BULLET).rstrip(_END)
        if not bare:
            continue
        if (bare.casefold() + " ").startswith(_ARCHIVE):
            archive = _line(bare, part="archive", limit=MAX_LINE)
            continue
        recipient = parse_recipient(bare)
        _line(recipient.name, part="recipient", limit=MAX_LINE)
        _line(recipient.purpose, part="purpose", limit=MAX_PURPOSE, required=False)
        recipients.append(recipient)
    if len(recipients) > MAX_RECIPIENTS:
        raise LetterheadProblem("too_many", part="recipients", limit=MAX_RECIPIENTS)
    return tuple(recipients), archive


def parse_issuer(text: str) -> tuple[str, str]:
    """ "Thành ủy Hà Nội\\nBan Tuyên giáo và Dân vận" → (parent, issuer); one line: no parent."""
    lines = _typed_lines(text)
    if not lines:
        raise LetterheadProblem("empty", part="issuer")
    if len(lines) > 2:
        raise LetterheadProblem("too_many", part="issuer", limit=2)
    *parent, issuer = lines
    return (
        _line(parent[0] if parent else "", part="parent", limit=MAX_LINE, required=False),
        _line(issuer, part="issuer", limit=MAX_LINE),
    )


def parse_signer(text: str) -> Signer:
    """ "K/T TRƯỞNG BAN\\nPHÓ TRƯỞNG BAN\\nNguyễn Hoàng Sơn" as it prints (or split by " / ")."""
    lines = _typed_lines(text)
    if len(lines) == 1:
        lines = [nfc(part) for part in lines[0].split(" / ") if nfc(part)]
    if not 2 <= len(lines) <= 3:
        raise LetterheadProblem("signer_lines", part="signer")
    first, title, *name = lines
    typed, _, body = first.partition(" ")
    modes = {mode.casefold(): mode for mode in MODES}
    mode = modes.get(typed.casefold())
    if mode is None:
        raise LetterheadProblem("bad_mode", part="signer")
    signer = Signer(mode, nfc(body), title, name[0] if name else "")
    return check(replace(Letterhead(issuer="-", place="-"), signer=signer)).signer


def signer_lines(signer: Signer) -> list[str]:
    """The signer as typed: what ``parse_signer`` reads back."""
    return [f"{signer.mode} {signer.body}", signer.title, *([signer.name] if signer.name else [])]


# --- one part at a time, as an official changes it in chat -------------------------------------

PARTS = ("issuer", "sign", "place", "recipients", "signer")


def typed(letterhead: Letterhead, part: str) -> str:
    """The part as a person would type it: what ``with_typed`` reads back."""
    if part == "issuer":
        return "\n".join(line for line in (letterhead.parent, letterhead.issuer) if line)
    if part == "sign":
        return letterhead.sign
    if part == "place":
        return letterhead.place
    if part == "recipients":
        lines = [recipient_line(r) for r in letterhead.recipients]
        return "\n".join([*lines, *([letterhead.archive] if letterhead.archive else [])])
    if part == "signer":
        return "\n".join(signer_lines(letterhead.signer))
    raise ValueError(f"no letterhead part {part!r}")


def with_typed(letterhead: Letterhead, part: str, text: str) -> Letterhead:
    """``letterhead`` with ``part`` as typed in ``text``; LetterheadProblem if it breaks a rule.

    Recipients typed without a «Lưu …» line keep the archive line they had.
    """
    if part == "issuer":
        parent, issuer = parse_issuer(text)
        changed = replace(letterhead, parent=parent, issuer=issuer)
    elif part == "sign":
        changed = replace(letterhead, sign=check_sign(text))
    elif part == "place":
        changed = replace(letterhead, place=_line(text, part="place", limit=MAX_PLACE))
    elif part == "recipients":
        recipients, archive = parse_recipients(text)
        if not recipients and archive is None:
            raise LetterheadProblem("empty", part="recipients")
        changed = replace(
            letterhead,
            recipients=recipients,
            archive=letterhead.archive if archive is None else archive,
        )
    elif part == "signer":
        changed = replace(letterhead, signer=parse_signer(text))
    else:
        raise ValueError(f"no letterhead part {part!r}")
    return check(changed)
