"""Finding a ward from part of its name as people type it: accents, case, decomposed input."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from storage.models import Unit, UnitLevel
from storage.places import find_places, fold

PLACES = ("Ngọc Hà", "Ngọc Khánh", "Ba Đình", "Đống Đa", "Hoàn Kiếm", "Cửa Nam")
UNITS = [
    Unit(id=n, code=f"W{n}", name=f"Đảng ủy phường {p}", level=UnitLevel.WARD, place=p)
    for n, p in enumerate(PLACES, start=1)
]


def places(query: str) -> list[str]:
    return [u.place or "" for u in find_places(query, UNITS)]


def test_typed_without_accents_or_case() -> None:
    assert places("ngoc ha") == ["Ngọc Hà"]
    assert places("  NGỌC   hà ") == ["Ngọc Hà"]
    assert places("dong da") == ["Đống Đa"]
    assert places("ngoc") == ["Ngọc Hà", "Ngọc Khánh"]
    assert places("phường ba đình") == ["Ba Đình"], "the unit's name matches too"
    assert places("oc") == [], "a word's start, not letters inside it"
    assert places("tay ho") == [] and places("  ") == [] and places("!!") == []


def test_fold() -> None:
    assert fold("Đảng ủy  phường, Ngọc-Hà!") == "dang uy phuong ngoc ha"


@given(st.sampled_from(PLACES), st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"]), st.booleans())
def test_every_form_of_a_name_finds_it(place: str, form: str, upper: bool) -> None:
    typed = unicodedata.normalize(form, place.upper() if upper else place)  # type: ignore[arg-type]
    assert places(typed) == [place]
    assert fold(typed) == fold(place)


@given(st.text())
def test_any_input_never_raises(typed: str) -> None:
    found = find_places(typed, UNITS)
    assert all(u in UNITS for u in found)
    assert fold(fold(typed)) == fold(typed)
