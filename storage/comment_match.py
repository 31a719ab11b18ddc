"""What a search of the comments means: the words typed, folded as ``Comment.search_text``
is folded (``storage.places.fold``: «THỦ ĐÔ» and «thu do» are one), each the start of a word
of the comment. The same on both databases; on PostgreSQL the GIN index ``ix_comment_search``
on ``to_tsvector('simple', search_text)`` finds the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal, literal_column
from sqlmodel import col

from storage.models import Comment
from storage.places import fold

# What a search keeps of what was typed: a sentence pasted in whole is still a cheap query.
MAX_QUERY = 200
MAX_WORDS = 8
MAX_WORD = 40


def search_words(query: str) -> tuple[str, ...]:
    """The words a search wants, folded, each once, in the order typed."""
    words = fold(query[:MAX_QUERY]).split()
    return tuple(dict.fromkeys(w[:MAX_WORD] for w in words))[:MAX_WORDS]


def prefix_query(words: Sequence[str]) -> str:
    """A tsquery wanting every word as a prefix: ``'thu':* & 'do':*``.

    Folded words hold letters and digits only, so nothing in them is tsquery syntax; each is
    quoted all the same (a quote doubled), so no input can make ``to_tsquery`` fail.
    """
    quoted = ("'" + w.replace("'", "''").replace("\\", "\\\\") + "':*" for w in words)
    return " & ".join(quoted)


def word_conditions(
    words: Sequence[str], folded: ColumnElement[str] | None = None
) -> list[ColumnElement[bool]]:
    """Each word the start of a word of the folded text (``search_text``, or ``folded``):
    the search's meaning on both databases. Folded words are single-spaced, so « » + the text
    holds « word» exactly where a word starts with ``word``."""
    column = col(Comment.search_text) if folded is None else folded
    padded = literal(" ", String) + column
    found: list[ColumnElement[bool]] = []
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found.append(padded.like(f"% {escaped}%", escape="\\"))
    return found


def word_index_match(words: Sequence[str]) -> ColumnElement[bool]:
    """PostgreSQL: the comments whose words start with ``words``, as ``ix_comment_search``
    finds them (its very expression: a regconfig constant, not a bound string, or the index
    is not used)."""
    simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
    vector = func.to_tsvector(simple, col(Comment.search_text))
    return vector.op("@@")(func.to_tsquery(simple, prefix_query(words)))
