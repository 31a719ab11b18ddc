"""Invite and receipt codes: unambiguous, forgiving when typed, strict when forged."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storage.codes import ALPHABET, INVITE_LENGTH, hash_code, invite_from_text, random_code


def test_alphabet_has_no_look_alikes() -> None:
    assert not set("0O1IL") & set(ALPHABET)


@given(st.builds(lambda: random_code(INVITE_LENGTH)))
def test_typed_variants_of_a_code_are_the_same_code(code: str) -> None:
    for typed in (
        code,
        code.lower(),
        f"{code[:5]} {code[5:]}",
        f"{code[:5]}-{code[5:]}",
        f"i-{code}",
        f" I-{code} ",
    ):
        assert invite_from_text(typed) == code
    assert hash_code(code) == hash_code(code.lower())


@given(st.text(max_size=100))
def test_arbitrary_payloads_are_never_mistaken_for_codes(text: str) -> None:
    code = invite_from_text(text)
    assert code is None or (len(code) == INVITE_LENGTH and set(code) <= set(ALPHABET))


def test_forged_payloads() -> None:
    for payload in ("", "i-", "ABC", "i-ABCDEFGHJ0", "x" * 500, "../etc", "i-ABCDEFGHJKL"):
        assert invite_from_text(payload) is None
