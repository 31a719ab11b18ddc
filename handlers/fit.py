"""Long HTML messages cut to Telegram's size on whole items, never inside a tag or an entity."""

from __future__ import annotations

from collections.abc import Callable, Sequence

# Telegram refuses a message over 4,096 UTF-16 code units of text; raw HTML is never shorter
# than the text it parses to, so measuring the HTML is safe. A margin for the channel's extras.
LIMIT = 4000


def size(html: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(html.encode("utf-16-le")) // 2


def _ellipsis(_count: int) -> str:
    return "…"


def fit_items(
    head: Sequence[str],
    items: Sequence[str],
    tail: Sequence[str] = (),
    *,
    more: Callable[[int], str] = _ellipsis,
    sep: str = "\n",
    limit: int = LIMIT,
) -> str:
    """``head``, as many whole ``items`` as fit, ``more(left out)`` if any were, then ``tail``.

    Each part must be complete HTML on its own (its tags closed): cutting between parts can
    never leave a tag or an entity open, which Telegram would refuse.
    """
    kept: list[str] = []
    for item in items:
        if size(sep.join([*head, *kept, item, *tail])) > limit:
            break
        kept.append(item)
    left = len(items) - len(kept)
    if not left:
        return sep.join([*head, *kept, *tail])
    # The note must fit too: give back items until it does.
    while kept and size(sep.join([*head, *kept, more(left), *tail])) > limit:
        kept.pop()
        left += 1
    return sep.join([*head, *kept, more(left), *tail])
