"""Keyboards as numbered text menus, and long texts split for Zalo's 2,000 characters."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.menus import numbered_menu, split_text


def prompt(numbers: Sequence[str]) -> str:
    return (
        f"Trả lời {', '.join(numbers[:-1])} hoặc {numbers[-1]}:"
        if len(numbers) > 1
        else (f"Trả lời {numbers[0]}:")
    )


MARKUP = {
    "inline_keyboard": [
        [{"text": "📖 Đọc toàn văn", "url": "https://example.org/a.pdf"}],
        [{"text": "🙈 Gửi ẩn danh", "callback_data": "cn:anon"}],
        [{"text": "👤 Gửi kèm họ tên", "callback_data": "cn:named"}],
        [{"text": "Hủy", "callback_data": "cn:cancel"}],
    ]
}


def test_a_keyboard_becomes_a_numbered_menu() -> None:
    menu = numbered_menu(MARKUP, prompt)
    assert menu is not None
    assert menu.text == (
        "Trả lời 1, 2 hoặc 3:\n1. 🙈 Gửi ẩn danh\n2. 👤 Gửi kèm họ tên\n3. Hủy\n"
        "📖 Đọc toàn văn: https://example.org/a.pdf"
    )
    assert menu.choose("2") == "cn:named"
    assert menu.choose(" 1. ") == "cn:anon"
    assert menu.choose("#3") == "cn:cancel"
    assert menu.choose("３") == "cn:cancel", "full-width digits from a phone keyboard"
    for other in ("0", "4", "hai", "2 3", "", "12345"):
        assert menu.choose(other) is None


def test_no_keyboard_no_menu() -> None:
    assert numbered_menu(None, prompt) is None
    assert numbered_menu({"keyboard": [[{"text": "❓ Trợ giúp"}]]}, prompt) is None


@given(st.text(max_size=6000), st.integers(min_value=1, max_value=2000))
@settings(max_examples=200, deadline=None)
def test_split_keeps_every_piece_within_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    ), "nothing but the blanks at the cuts is lost"


def test_split_prefers_line_breaks() -> None:
    lines = [f"Dòng số {n}: " + "x" * 90 for n in range(50)]
    pieces = split_text("\n".join(lines), 2000)
    assert len(pieces) == 3
    assert all(p.startswith("Dòng số") for p in pieces)
