"""Report forms as data: field specs, the default weekly form, and value parsing/validation.

Labels and prompts live in the form (``{"vi": …, "en": …}``) because a campaign may change the
form; the rules that read what people type (counts, free text) live here, once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, Field, field_validator

MAX_TEXT = 4000
MAX_COUNT = 1_000_000


class FieldKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    CHOICES = "choices"


Localised = dict[str, str]


class Choice(BaseModel):
    key: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    label: Localised


class FieldSpec(BaseModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    kind: FieldKind
    label: Localised
    prompt: Localised
    optional: bool = False
    choices: list[Choice] = Field(default_factory=list)
    max_length: int = Field(default=MAX_TEXT, ge=1, le=MAX_TEXT)

    @field_validator("label", "prompt")
    @classmethod
    def _has_vietnamese(cls, value: Localised) -> Localised:
        if "vi" not in value:
            raise ValueError("needs a Vietnamese ('vi') text")
        return {lang: nfc(text).strip() for lang, text in value.items()}

    def text(self, attr: str, locale: str) -> str:
        values: Localised = getattr(self, attr)
        return values.get(locale) or values["vi"]


class FormSpec(BaseModel):
    fields: list[FieldSpec] = Field(min_length=1, max_length=50)

    @field_validator("fields")
    @classmethod
    def _unique_keys(cls, fields: list[FieldSpec]) -> list[FieldSpec]:
        keys = [f.key for f in fields]
        if len(keys) != len(set(keys)):
            raise ValueError("field keys must be unique")
        for spec in fields:
            if spec.kind is FieldKind.CHOICES and not spec.choices:
                raise ValueError(f"field '{spec.key}' has no choices")
        return fields

    def dump(self) -> list[dict[str, Any]]:
        return [f.model_dump(mode="json") for f in self.fields]


@cache
def assessment_fields() -> tuple[FieldSpec, ...]:
    """The questions a unit that signs its report answers after its own: its assessment and
    its proposals."""
    text = resources.files("storage").joinpath("assessment_form.yaml").read_text("utf-8")
    return tuple(FormSpec.model_validate(yaml.safe_load(text)).fields)


def signing_form(form: FormSpec) -> FormSpec:
    """``form`` (a level's own questions) with the assessment questions after it; a form that
    asks them itself keeps its own wording."""
    keys = {f.key for f in form.fields}
    extra = [f for f in assessment_fields() if f.key not in keys]
    return FormSpec(fields=[*form.fields, *extra])


@cache
def default_form() -> FormSpec:
    """The weekly report form of the seed letters (DESIGN.md, "The weekly report form")."""
    text = resources.files("storage").joinpath("default_form.yaml").read_text("utf-8")
    return FormSpec.model_validate(yaml.safe_load(text))


def form_from_rows(rows: list[dict[str, Any]]) -> FormSpec:
    return FormSpec.model_validate({"fields": rows})


class InvalidValue(ValueError):
    """A value the person typed does not fit; ``reason`` picks the hint shown to them."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# Control and invisible direction characters, and what no UTF-8 text may hold: lone surrogates
# (half an emoji in a messenger's JSON) and the non-characters U+FFFE/U+FFFF.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)


def clean_text(raw: str, *, max_length: int = MAX_TEXT) -> str:
    """NFC-normalise, strip control characters and outer blanks; refuse empty or over-long."""
    text = _CONTROL.sub("", nfc(raw)).strip()
    if not text:
        raise InvalidValue("empty")
    if len(text) > max_length:
        raise InvalidValue("too_long", length=len(text), limit=max_length)
    return text


_UNITS = {
    "không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
    "nhăm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9,
}  # fmt: skip
_SCALES = {"trăm": 100, "nghìn": 1000, "ngàn": 1000, "triệu": 1_000_000}
_DIGITS = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})?(?:\1\d{3})*$|^\d+$")


def _words_to_int(words: list[str]) -> int | None:
    """Vietnamese number words up to millions: "mười hai", "hai mươi lăm", "một trăm linh năm"."""
    total = 0
    current = 0
    seen = False
    for word in words:
        if word in ("linh", "lẻ"):
            continue
        if word == "mười":
            current += 10
        elif word == "mươi":
            current = (current or 1) * 10
        elif word in _UNITS:
            current += _UNITS[word]
        elif word in _SCALES:
            scale = _SCALES[word]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def parse_count(raw: str) -> int:
    """Read a count as people type it: ``12``, `` 12 ``, ``1.200``, ``1,200``, ``1 200``, ``mười``.

    A separator must group thousands (``1.5`` is refused, not read as 15 or 1); negative
    numbers and counts above a million are refused with their own reason.
    """
    text = clean_text(raw, max_length=64).lower().replace("\u00a0", " ")
    text = " ".join(text.split())
    if text.startswith(("-", "−", "–")) and any(ch.isdigit() for ch in text):
        raise InvalidValue("negative")
    if _DIGITS.match(text):
        value = int(re.sub(r"\D", "", text))
    else:
        words = _words_to_int(text.split())
        if words is None:
            raise InvalidValue("not_a_number")
        value = words
    if value > MAX_COUNT:
        raise InvalidValue("too_big", limit=MAX_COUNT)
    return value


def parse_value(spec: FieldSpec, raw: str) -> Any:
    """Turn typed text into the stored value of ``spec``, or raise ``InvalidValue``."""
    if spec.kind is FieldKind.COUNT:
        return parse_count(raw)
    if spec.kind is FieldKind.TEXT:
        return clean_text(raw, max_length=spec.max_length)
    raise InvalidValue("use_buttons")


@dataclass(frozen=True, slots=True)
class Answers:
    """A whole form answered at once (a web page), read question by question."""

    values: dict[str, Any]
    problems: dict[str, InvalidValue]  # by field key: what to say beside the question


def read_answers(
    form: FormSpec, typed: Callable[[str], str], ticked: Callable[[str, str], bool]
) -> Answers:
    """The answers of ``form`` from a page: ``typed(key)`` the text of a question,
    ``ticked(key, choice)`` whether a choice is ticked. The chat's rules, each question as
    the chat reads it: ``parse_value`` for texts and counts; an optional question left empty
    is skipped (None, or no choices); a choice question needs one ticked unless optional."""
    values: dict[str, Any] = {}
    problems: dict[str, InvalidValue] = {}
    for spec in form.fields:
        if spec.kind is FieldKind.CHOICES:
            picked = [c.key for c in spec.choices if ticked(spec.key, c.key)]
            if not picked and not spec.optional:
                problems[spec.key] = InvalidValue("pick_one")
            values[spec.key] = picked
            continue
        try:
            values[spec.key] = parse_value(spec, typed(spec.key))
        except InvalidValue as error:
            if error.reason == "empty" and spec.optional:
                values[spec.key] = None
            else:
                problems[spec.key] = error
    return Answers(values, problems)
