"""What a search of the comments means: the words typed, folded as ``Comment.search_text``
is folded (``storage.places.fold``: «THỦ ĐÔ» and «thu do» are one), each a whole word of the
comment; the last, when it is long enough to have been cut short, also the start of one
(«karao» finds «karaoke»). Whole words, for Vietnamese writes in syllables: «thu» as a prefix
would find thuế, thực, thương… The same on both databases; on PostgreSQL the GIN index
``ix_comment_search`` on ``to_tsvector('simple', search_text)`` finds the candidates (an exact
word is a quick look-up there, a short prefix a costly one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal, literal_column
from sqlmodel import col

from storage.models import Comment
from storage.places import fold

# What a search keeps of what was typed: a sentence pasted in whole is still a cheap query.
MAX_QUERY = 200
MAX_WORDS = 8
MAX_WORD = 40


# A last word this long may have been cut short: it also finds longer words it starts.
PREFIX_FROM = 4


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # folded: letters and digits
    prefix: bool = False  # also the start of a longer word


def search_words(query: str) -> tuple[Word, ...]:
    """The words a search wants, folded, each once, in the order typed."""
    typed = list(dict.fromkeys(fold(query[:MAX_QUERY]).split()))[:MAX_WORDS]
    return tuple(
        Word(
            word[:MAX_WORD],
            prefix=len(word) > MAX_WORD or (n == len(typed) - 1 and len(word) >= PREFIX_FROM),
        )
        for n, word in enumerate(typed)
    )


def ts_query(words: Sequence[Word]) -> str:
    """A tsquery wanting every word: ``'thu' & 'do'``, ``'karao':*``.

    Folded words hold letters and digits only, so nothing in them is tsquery syntax; each is
    quoted all the same (a quote doubled), so no input can make ``to_tsquery`` fail.
    """
    quoted = (
        "'" + w.text.replace("'", "''").replace("\\", "\\\\") + "'" + (":*" if w.prefix else "")
        for w in words
    )
    return " & ".join(quoted)


def word_conditions(
    words: Sequence[Word], folded: ColumnElement[str] | None = None
) -> list[ColumnElement[bool]]:
    """Each word in the folded text (``search_text``, or ``folded``): the search's meaning
    on both databases. Folded words are single-spaced, so « » + the text + « » holds
    « word » exactly where ``word`` is a whole word, and « word» where a word starts with it."""
    column = col(Comment.search_text) if folded is None else folded
    blank = literal(" ", String)
    found: list[ColumnElement[bool]] = []
    for word in words:
        escaped = word.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        if word.prefix:
            found.append((blank + column).like(f"% {escaped}%", escape="\\"))
        else:
            found.append((blank + column + blank).like(f"% {escaped} %", escape="\\"))
    return found


def word_index_match(words: Sequence[Word]) -> ColumnElement[bool]:
    """PostgreSQL: the comments holding ``words``, as ``ix_comment_search`` finds them (its
    very expression: a regconfig constant, not a bound string, or the index is not used)."""
    simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
    vector = func.to_tsvector(simple, col(Comment.search_text))
    return vector.op("@@")(func.to_tsquery(simple, ts_query(words)))
