"""The comments page's address: any query string is read as filters or refused as
``BadQuery`` (a 400), never anything else; what the page writes back reads the same."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.web.desk.comment_filters import Asked, BadQuery, read_query
from storage.comment_match import MAX_WORD, MAX_WORDS, Word, search_words, ts_query
from storage.keyset import Cursor
from storage.models import CommentMedium, CommentStatus, Stance

NAMES = ["campaign", "document", "section", "unit", "stance", "status", "medium"]
NAMES += ["from", "to", "q", "before", "after", "lang"]


@given(st.dictionaries(st.sampled_from(NAMES), st.text(max_size=60)))
@settings(max_examples=400, deadline=None)
def test_any_query_is_filters_or_a_bad_query(query: dict[str, str]) -> None:
    try:
        asked = read_query(query)
    except BadQuery:
        return
    # What was read is what the page's links carry: it reads back the same.
    written = {k: str(v) for k, v in asked.query().items() if v is not None}
    assert read_query(written) == asked
    assert asked.q.isprintable() and len(asked.q) <= 200


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2999, 12, 31),
        timezones=st.just(UTC),
    ),
    st.integers(min_value=1, max_value=2**63 - 1),
)
def test_a_cursor_survives_the_address(at: datetime, ident: int) -> None:
    assert Cursor.parse(Cursor(at, ident).token()) == Cursor(at, ident)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "_",
        "1_",
        "_1",
        "1_0",
        "-5_3",
        "1.5_3",
        "١٢_٣",
        "999999999999999999_1",
        "1_99999999999999999999",
        "1_1_1",
        "x_1",
    ],
)
def test_a_hand_edited_cursor_is_none(token: str) -> None:
    assert Cursor.parse(token) is None


def test_filters_as_a_form_sends_them() -> None:
    asked = read_query(
        {
            "campaign": "2",
            "document": "",
            "section": "7",
            "unit": "12",
            "stance": "partly",
            "status": "all",
            "medium": "letter",
            "from": "2025-11-01",
            "to": "2025-11-10",
            "q": "  Thủ   đô\t",
        }
    )
    assert asked == Asked(
        campaign=2,
        section=7,
        unit=12,
        stance=Stance.PARTLY,
        status="all",
        medium=CommentMedium.LETTER,
        since=date(2025, 11, 1),
        until=date(2025, 11, 10),
        q="Thủ đô",
    )
    assert asked.statuses == tuple(CommentStatus)
    since, until = asked.window("Asia/Ho_Chi_Minh")
    assert since == datetime(2025, 10, 31, 17, tzinfo=UTC)
    assert until == datetime(2025, 11, 10, 17, tzinfo=UTC), "the last day is included"


@pytest.mark.parametrize(
    "query",
    [
        {"campaign": "abc"},
        {"campaign": "0"},
        {"unit": "-1"},
        {"document": "1e3"},
        {"section": "9" * 30},
        {"stance": "maybe"},
        {"status": "deleted"},
        {"medium": "pigeon"},
        {"from": "2025-02-30"},
        {"to": "10/11/2025"},
        {"from": "0001-01-01"},
        {"before": "yesterday"},
        {"before": "1_1", "after": "1_2"},
    ],
)
def test_malformed_filters(query: dict[str, str]) -> None:
    with pytest.raises(BadQuery):
        read_query(query)


def texts(words: tuple[Word, ...]) -> tuple[str, ...]:
    return tuple(w.text for w in words)


def test_search_words_are_folded_like_the_comments() -> None:
    assert search_words("THỦ ĐÔ") == search_words("thu do") == (Word("thu"), Word("do"))
    assert texts(search_words("Đường")) == texts(search_words("duong")) == ("duong",)
    assert texts(search_words("'; DROP TABLE comment; --")) == ("drop", "table", "comment")
    assert texts(search_words("a:* & !b | (c)")) == ("a", "b", "c")
    assert len(search_words(" ".join(f"w{n}" for n in range(50)))) == MAX_WORDS


def test_whole_words_but_a_long_last_one() -> None:
    """Vietnamese is written in syllables: «thu» is a word, not the start of thuế and thực;
    a last word of four letters or more may have been cut short («karao»)."""
    assert search_words("thu do") == (Word("thu"), Word("do"))
    assert search_words("tieng on karao") == (Word("tieng"), Word("on"), Word("karao", True))
    assert search_words("karao tieng") == (Word("karao"), Word("tieng", True))
    long = "a" * (MAX_WORD + 5)
    assert search_words(f"{long} do") == (Word("a" * MAX_WORD, True), Word("do"))
    assert ts_query(search_words("thủ đô karao")) == "'thu' & 'do' & 'karao':*"


@given(st.text(max_size=300))
def test_a_search_is_plain_words(query: str) -> None:
    words = search_words(query)
    tsquery = ts_query(words)
    for word in words:
        assert word.text.isalnum() and word.text == word.text.casefold()
        assert f"'{word.text}'" in tsquery
    assert tsquery.count("'") == 2 * len(words)
