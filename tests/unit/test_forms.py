"""Reading what people type: counts and free text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.forms import (
    MAX_COUNT,
    InvalidValue,
    clean_text,
    default_form,
    parse_count,
)


def grouped(value: int, sep: str) -> str:
    return f"{value:,}".replace(",", sep)


@given(st.integers(min_value=0, max_value=MAX_COUNT), st.sampled_from([".", ",", " ", ""]))
def test_counts_round_trip_with_any_thousands_separator(value: int, sep: str) -> None:
    text = grouped(value, sep) if sep else str(value)
    assert parse_count(f"  {text} ") == value


@given(st.integers(min_value=1, max_value=10**12))
def test_negative_counts_are_refused(value: int) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_count(f"-{value}")
    assert error.value.reason == "negative"


@given(st.integers(min_value=MAX_COUNT + 1, max_value=10**15))
def test_absurd_counts_are_refused(value: int) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_count(grouped(value, "."))
    assert error.value.reason == "too_big"


@given(st.text(max_size=80))
def test_any_text_either_parses_or_gives_a_known_reason(text: str) -> None:
    try:
        value = parse_count(text)
    except InvalidValue as error:
        assert error.reason in {"empty", "too_long", "negative", "not_a_number", "too_big"}
    else:
        assert 0 <= value <= MAX_COUNT


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("không", 0),
        ("một", 1),
        ("mười", 10),
        ("mười hai", 12),
        ("hai mươi", 20),
        ("hai mươi lăm", 25),
        ("ba mươi mốt", 31),
        ("một trăm", 100),
        ("một trăm linh năm", 105),
        ("hai nghìn", 2000),
        ("Mười Hai", 12),
    ],
)
def test_vietnamese_number_words(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["1.5", "1,20", "12.34.56", "1..200", "12a", "abc", "😀"])
def test_ambiguous_or_foreign_input_is_not_a_number(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_count(text)
    assert error.value.reason == "not_a_number"


@given(st.text(min_size=1, max_size=200))
def test_clean_text_is_nfc_and_stripped(text: str) -> None:
    try:
        cleaned = clean_text(text)
    except InvalidValue as error:
        assert error.reason == "empty"
        return
    assert cleaned == unicodedata.normalize("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert not any(ord(ch) < 32 and ch not in "\n\t\r" for ch in cleaned)


def test_clean_text_limits() -> None:
    assert clean_text("a" * 4000) == "a" * 4000
    with pytest.raises(InvalidValue) as error:
        clean_text("a" * 4001)
    assert error.value.details == {"length": 4001, "limit": 4000}
    with pytest.raises(InvalidValue):
        clean_text(" \u200b\n\t ")


def test_default_form_matches_the_letters() -> None:
    keys = [f.key for f in default_form().fields]
    assert keys == [
        "leadership",
        "propaganda",
        "news_count",
        "meetings_count",
        "participants_count",
        "letters_count",
        "highlights",
        "expectations",
        "difficulties",
    ]
    assert [f.optional for f in default_form().fields].count(True) == 1


def test_form_text_from_a_campaign_is_escaped_for_telegram_html() -> None:
    """Regression: a label such as "Hội nghị & tọa đàm" made Telegram refuse the message."""
    from aiogram.utils.i18n import I18n

    from bot.i18n import build_i18n
    from handlers.texts import question, render_value
    from storage.forms import FieldSpec

    spec = FieldSpec.model_validate(
        {
            "key": "forms",
            "kind": "choices",
            "label": {"vi": "Hội nghị & <tọa đàm>"},
            "prompt": {"vi": "Chọn <b>hình thức</b> & bấm Xong"},
            "choices": [{"key": "a", "label": {"vi": "A & B"}}],
        }
    )
    i18n: I18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        asked = question(spec, 1, 1, "vi")
    assert "&amp; bấm Xong" in asked and "&lt;b&gt;hình thức&lt;/b&gt;" in asked
    assert render_value(spec, ["a"], "vi") == "A &amp; B"


def test_half_an_emoji_and_non_characters_are_dropped() -> None:
    # A lone surrogate cannot be stored as UTF-8 (PostgreSQL refuses it).
    assert clean_text("Ý kiến \ud83d hay\ufffe") == "Ý kiến  hay"
