"""Fitting a text into a box: the largest size that wraps to so many lines, evened out, else
cut with "…". Shared by the poster's painters, each measuring with its own font engine."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

# The width of a string at one size and weight; ``width_at(size)`` gives one.
Width = Callable[[str], float]
WidthAt = Callable[[int], Width]

ELLIPSIS = "…"
GLUED = frozenset({"—", "–", "-", ":"})
BREAK_AFTER = (".", ",", ";", ":", "!", "?", "—", "–", ")")


@dataclass(frozen=True, slots=True)
class Fitted:
    """The lines of a text and the size they are set in; ``cut``: it did not fit, and its last
    line ends with "…"."""

    lines: tuple[str, ...]
    size: int
    cut: bool = False


def fit(
    text: str, *, width_at: WidthAt, sizes: tuple[int, int], max_lines: int, width: float
) -> Fitted:
    """``text`` at the largest size in ``sizes`` that wraps to ``max_lines``, else cut with "…".

    A line fewer is worth up to 15 % of the size (an orphaned word looks worse than smaller
    letters); the lines are evened out so the last one is no stub, see ``_balanced``.
    """
    largest, smallest = sizes
    largest = max(largest, smallest)
    for size in range(largest, smallest - 1, -2):
        measure = width_at(size)
        # Longer than all the lines together: no need to wrap it to know.
        if measure(text) > width * max_lines:
            continue
        lines = _wrap(text, measure, width)
        if len(lines) <= max_lines:
            break
    else:
        measure = width_at(smallest)
        lines = _wrap(text, measure, width)[:max_lines]
        lines[-1] = _with_ellipsis(lines[-1], measure, width)
        return Fitted(tuple(lines), smallest, cut=True)
    for smaller in range(size - 2, max(smallest, round(size * 0.85)) - 1, -2):
        fewer = _wrap(text, width_at(smaller), width)
        if len(fewer) < len(lines):
            size, lines = smaller, fewer
            break
    count = len(lines)
    # Up to 10 % smaller letters buy breaks between phrases only ("… Phần I." / "Kết quả …").
    for smaller in range(size, max(smallest, round(size * 0.9)) - 1, -2):
        balanced, between_phrases = _balanced(text, width_at(smaller), width, count)
        if between_phrases:
            return Fitted(tuple(balanced), smaller)
    return Fitted(tuple(_balanced(text, width_at(size), width, count)[0]), size)


def _balanced(text: str, measure: Width, width: float, count: int) -> tuple[list[str], bool]:
    """``count`` even lines, broken after punctuation where that is not much worse; whether
    every break falls after punctuation.

    Least squares of the room left on each line (the last one included, so it is no stub), plus
    a penalty for a break inside a phrase: "… Phần I." / "Kết quả …", not "… Phần I. Kết" /
    "quả …". Widths are added up from the words; the result is measured again before use.
    """
    tokens = _tokens(text, measure, width)
    greedy = _wrap(text, measure, width)
    if count < 2 or len(tokens) <= count:
        return greedy, True
    ends = [0.0]
    for token in tokens:
        ends.append(ends[-1] + measure(token))
    space = measure(" ")
    mid_phrase = (width * 0.15) ** 2
    total = len(tokens)
    # cost[k][j]: the best way to set the first j tokens on k lines; start[k][j]: its last line.
    cost = [[math.inf] * (total + 1) for _ in range(count + 1)]
    start = [[0] * (total + 1) for _ in range(count + 1)]
    cost[0][0] = 0.0
    for lines in range(1, count + 1):
        for j in range(lines, total + 1):
            for i in range(j - 1, lines - 2, -1):
                used = ends[j] - ends[i] + space * (j - i - 1)
                if used > width:
                    break
                penalty = 0.0 if j == total or tokens[j - 1].endswith(BREAK_AFTER) else mid_phrase
                candidate = cost[lines - 1][i] + (width - used) ** 2 + penalty
                if candidate < cost[lines][j]:
                    cost[lines][j], start[lines][j] = candidate, i
    if math.isinf(cost[count][total]):
        return greedy, False
    result: list[str] = []
    j = total
    for lines in range(count, 0, -1):
        i = start[lines][j]
        result.append(" ".join(tokens[i:j]))
        j = i
    result.reverse()
    if any(measure(line) > width for line in result):
        return greedy, False
    return result, all(line.endswith(BREAK_AFTER) for line in result[:-1])


def _wrap(text: str, measure: Width, width: float) -> list[str]:
    """Greedy wrap on spaces by measured width."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text, measure, width):
        candidate = f"{line} {token}" if line else token
        if line and measure(candidate) > width:
            lines.append(line)
            line = token
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [""]


def _tokens(text: str, measure: Width, width: float) -> list[str]:
    """The words; a word wider than the line (a long link or code) cut where it has to be."""
    tokens: list[str] = []
    for word in _words(text):
        rest = word
        # One letter wider than the line is left as it is: it cannot be cut.
        while len(rest) > 1 and measure(rest) > width:
            cut = _prefix_that_fits(rest, measure, width)
            tokens.append(rest[:cut])
            rest = rest[cut:]
        tokens.append(rest)
    return tokens


def _words(text: str) -> list[str]:
    words: list[str] = []
    for word in text.split():
        if word in GLUED and words:
            # A dash stays at the end of the line before it instead of opening a line.
            words[-1] = f"{words[-1]}\N{NO-BREAK SPACE}{word}"
        else:
            words.append(word)
    return words


def _prefix_that_fits(word: str, measure: Width, width: float) -> int:
    cut = len(word) - 1
    while cut > 1 and measure(word[:cut]) > width:
        cut -= 1
    return cut


def _with_ellipsis(line: str, measure: Width, width: float) -> str:
    """The line shortened by whole words (or letters, for one word) until "…" fits after it."""
    while line and measure(line + ELLIPSIS) > width:
        head, _, _ = line.rpartition(" ")
        line = head if head else line[:-1]
    return line.rstrip(" \N{NO-BREAK SPACE},;:—–-") + ELLIPSIS
