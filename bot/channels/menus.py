"""Inline keyboards for messengers without buttons (Zalo): a numbered text menu, and the
reply "2" turned back into the button's callback data for the same handlers.

    Trả lời 1, 2 hoặc 3:
    1. 🙈 Gửi ẩn danh
    2. 👤 Gửi kèm họ tên
    3. Hủy

URL buttons become links in the text; they need no answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_OPTIONS = 40
_CHOICE = re.compile(r"^\s*#?\s*(\d{1,3})\s*[.)]?\s*$")


@dataclass(frozen=True, slots=True)
class Menu:
    """A keyboard as text: what to append to the message, and what each number means."""

    text: str
    options: tuple[str, ...] = field(default_factory=tuple)  # callback data, 1-based by index

    def choose(self, reply: str) -> str | None:
        """The callback data of a typed choice (``2``, `` 2. ``, ``#2``), or None."""
        match = _CHOICE.match(unicodedata.normalize("NFKC", reply))
        if match is None:
            return None
        number = int(match[1])
        return self.options[number - 1] if 1 <= number <= len(self.options) else None


def numbered_menu(
    markup: dict[str, Any] | None, prompt: Callable[[Sequence[str]], str]
) -> Menu | None:
    """The menu of an ``inline_keyboard`` (as the Bot API takes it), or None if it has none.

    ``prompt`` words the question from the numbers ("Trả lời 1, 2 hoặc 3:"), in the person's
    language.
    """
    rows = (markup or {}).get("inline_keyboard") or []
    lines: list[str] = []
    links: list[str] = []
    options: list[str] = []
    for row in rows:
        for button in row:
            text = str(button.get("text", "")).strip()
            if button.get("url"):
                links.append(f"{text}: {button['url']}")
            elif button.get("callback_data") and len(options) < MAX_OPTIONS:
                options.append(str(button["callback_data"]))
                lines.append(f"{len(options)}. {text}")
    if not options and not links:
        return None
    parts = []
    if options:
        parts.append(prompt([str(n) for n in range(1, len(options) + 1)]))
        parts += lines
    parts += links
    return Menu("\n".join(parts), tuple(options))


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line breaks where possible,
    else at spaces, else anywhere (a 2,000-character Zalo message must never be refused)."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip("\n "))
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p] or [""]
