"""A whole report form answered on a page (the desk's «Ký và gửi»): each question read by the
chat's own rules, whatever the page sends."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storage.forms import (
    FieldKind,
    InvalidValue,
    assessment_fields,
    default_form,
    parse_value,
    read_answers,
    signing_form,
)

FORM = signing_form(default_form())
KEYS = [f.key for f in FORM.fields]
CHOICES = {f.key: [c.key for c in f.choices] for f in FORM.fields}


def test_a_filled_page_reads_as_the_chat_would() -> None:
    typed = {key: "12" for key in KEYS} | {
        "leadership": "  Họp chi ủy  ",
        "news_count": "1.200",
        "meetings_count": "mười hai",
        "proposals": "",
    }
    answers = read_answers(
        FORM, lambda key: typed.get(key, ""), lambda key, choice: choice in ("social", "meetings")
    )
    assert answers.problems == {}
    assert answers.values["leadership"] == "Họp chi ủy"
    assert answers.values["news_count"] == 1200 and answers.values["meetings_count"] == 12
    # Ticked in any order, kept in the form's order, as the chat's «Xong» keeps them.
    assert answers.values["propaganda"] == ["meetings", "social"]
    assert answers.values["proposals"] is None, "optional and empty: skipped, as /skip does"


def test_what_the_chat_refuses_is_refused_beside_its_question() -> None:
    typed = {"news_count": "-3", "meetings_count": "1.5", "assessment": "   "}
    answers = read_answers(FORM, lambda key: typed.get(key, ""), lambda key, choice: False)
    reasons = {key: problem.reason for key, problem in answers.problems.items()}
    assert reasons["news_count"] == "negative"
    assert reasons["meetings_count"] == "not_a_number"
    assert reasons["assessment"] == "empty"
    assert reasons["propaganda"] == "pick_one"
    assert "proposals" not in reasons and "difficulties" not in reasons  # optional


@given(
    st.dictionaries(st.sampled_from(KEYS), st.text(max_size=60)),
    st.sets(st.tuples(st.sampled_from(KEYS), st.text(max_size=12))),
)
def test_any_page_gives_a_value_or_a_problem_per_question(
    typed: dict[str, str], ticked: set[tuple[str, str]]
) -> None:
    answers = read_answers(
        FORM, lambda key: typed.get(key, ""), lambda key, choice: (key, choice) in ticked
    )
    for spec in FORM.fields:
        assert (spec.key in answers.problems) != (spec.key in answers.values) or (
            spec.kind is FieldKind.CHOICES
        )
        if spec.key in answers.problems:
            assert isinstance(answers.problems[spec.key], InvalidValue)
            continue
        value = answers.values[spec.key]
        if spec.kind is FieldKind.CHOICES:
            # Only the form's own choices, never a key the page made up.
            assert set(value) <= set(CHOICES[spec.key])
        elif value is not None:
            assert value == parse_value(spec, typed.get(spec.key, ""))
        else:
            assert spec.optional


def test_the_assessment_comes_last() -> None:
    assert KEYS[-len(assessment_fields()) :] == [f.key for f in assessment_fields()]
