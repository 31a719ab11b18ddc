"""Codes written in org and campaign files: what people type and what ends up in addresses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from bot.importers.org import Code

CODES = TypeAdapter(Code)


@pytest.mark.parametrize("code", [".", "..", "...", ""])
def test_dots_alone_and_nothing_are_no_code(code: str) -> None:
    # "." and ".." would be "here" and "up" in a draft's address /q/GY-…/draft/<code>.
    with pytest.raises(ValidationError):
        CODES.validate_python(code)


@pytest.mark.parametrize("code", ["bctt", "dh14", "v1.2", ".hidden", "a..b", "NGOCHA", "x-y_z"])
def test_plain_codes_are_taken(code: str) -> None:
    assert CODES.validate_python(code) == code


@given(st.text(alphabet="abcXYZ019._-", min_size=1, max_size=64))
def test_a_code_is_taken_unless_it_is_dots_alone(code: str) -> None:
    if set(code) == {"."}:
        with pytest.raises(ValidationError):
            CODES.validate_python(code)
    else:
        assert CODES.validate_python(code) == code
