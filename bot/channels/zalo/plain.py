"""Telegram's HTML as Zalo's plain text (Zalo has no formatting): links kept as their URLs."""

from __future__ import annotations

import html
import re
from typing import Any


def plain_param(params: dict[str, Any], field: str) -> str:
    """A text parameter as Zalo shows it: plain, whatever the parse mode."""
    text = str(params.get(field) or "")
    return html_to_plain(text) if params.get("parse_mode") == "HTML" else text


_LINK = re.compile(r"""<a\s+href=["']([^"']*)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def html_to_plain(text: str) -> str:
    """Telegram HTML as plain text: links as "text (url)", tags dropped, entities unescaped."""

    def link(match: re.Match[str]) -> str:
        url, label = html.unescape(match[1]), _TAG.sub("", match[2])
        return url if html.unescape(label).strip() in ("", url) else f"{label} ({url})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, text)))
