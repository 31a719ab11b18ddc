"""Poster codes, comment receipts, phone numbers and the duplicate fingerprint."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.links import absolute, landing_path
from bot.poster_links import printed
from storage.codes import (
    ALPHABET,
    ENTRY_LENGTH,
    entry_from_payload,
    entry_from_text,
    entry_label,
    entry_payload,
    invite_from_text,
    looks_like_entry,
    normalise_code,
    random_code,
)
from storage.comments import Attachment, fingerprint, receipt_from_text
from storage.phones import InvalidPhone, display_phone, parse_phone

codes = st.builds(lambda: random_code(ENTRY_LENGTH))


@given(codes)
def test_a_poster_code_as_people_type_it(code: str) -> None:
    for typed in (
        entry_payload(code),
        entry_label(code),
        f"gy {code.lower()}",
        f" GY - {code} ",
        f"GY{code}",
        f"ＧＹ－{code}",  # a phone keyboard in full-width mode
    ):
        assert entry_from_text(typed) == code, typed
    payload = entry_payload(code)
    assert len(payload) <= 64 and all(ch.isalnum() or ch in "-_" for ch in payload)


entry_codes = st.text(alphabet=ALPHABET, min_size=ENTRY_LENGTH, max_size=ENTRY_LENGTH)


@st.composite
def typed_codes(draw: st.DrawFn) -> tuple[str, str]:
    """A poster's code, and one way a person may type it: alone, or in its short URL copied
    from the poster (with or without the scheme, in any case, a slash or a query after)."""
    code = draw(entry_codes)
    body = draw(st.sampled_from([code, code.lower()]))
    if draw(st.booleans()):
        prefix = draw(
            st.sampled_from(
                [
                    *("GY-", "GY ", "GY", "gy-", "gy ", "gy", "Gy - ", "ＧＹ－"),
                    # What phone keyboards and copied text add: a no-break space, an en dash,
                    # a zero-width space or a byte order mark.
                    *("GY\u00a0", "GY\u2013", "\u200bGY-", "GY-\u200b", "\ufeffGY "),
                ]
            )
        )
        typed = prefix + body
    else:
        scheme = draw(st.sampled_from(["", "http://", "https://", "HTTPS://"]))
        host = draw(
            st.sampled_from(
                [
                    "gopy.example.vn",
                    "Gopy.Example.VN",
                    "localhost:8080",
                    "góp-ý.vn",
                    "so.hanoi.gov.vn/gop-y",
                    "hanoi.gov.vn/dich-vu/Gop-Y",
                ]
            )
        )
        path = draw(st.sampled_from(["/q/", "/Q/"]))
        prefix = draw(st.sampled_from(["GY-", "gy-", "GY", "gy"]))
        tail = draw(st.sampled_from(["", "/", "?utm_source=poster", "/?a=1&b=2", "#top"]))
        typed = f"{scheme}{host}{path}{prefix}{body}{tail}"
    pad = draw(st.sampled_from(["", " ", "\n"]))
    return code, f"{pad}{typed}{pad}"


@given(typed_codes())
def test_every_spelling_of_a_poster_code_opens_it(typed: tuple[str, str]) -> None:
    code, text = typed
    assert entry_from_text(text) == code
    assert not looks_like_entry(text)


@given(
    entry_codes,
    st.sampled_from(
        [
            "https://gopy.example.vn",
            "http://127.0.0.1:8080/",
            # Regression: gopy behind a city's portal, under a path of its own, printed a short
            # URL that typed into the chat was no code.
            "https://so.hanoi.gov.vn/gop-y/",
            "https://hanoi.gov.vn/dich-vu/gop-y",
        ]
    ),
)
def test_the_printed_short_url_reads_back_as_its_code(code: str, base: str) -> None:
    link = absolute(base, landing_path(code))
    assert entry_from_text(link) == code
    assert entry_from_text(printed(link)) == code, "as printed under the code"


@given(
    st.one_of(
        st.text(max_size=120),
        st.builds(
            lambda host, segment, tail: f"https://{host}/q/{segment}{tail}",
            st.text(max_size=20),
            st.text(max_size=20),
            st.text(max_size=20),
        ),
    )
)
def test_random_text_never_yields_a_code_it_does_not_hold(text: str) -> None:
    code = entry_from_text(text)
    if code is not None:
        assert len(code) == ENTRY_LENGTH and set(code) <= set(ALPHABET)
        assert "GY" + code in normalise_code(text), "the code is in what was typed"


@given(codes)
def test_after_start_the_bare_code_works_too(code: str) -> None:
    assert entry_from_payload(code) == code
    assert entry_from_payload(f" {code.lower()} ") == code
    assert entry_from_payload(entry_payload(code)) == code
    assert entry_from_text(code) is None, "in an ordinary message only GY-… is a code"


@given(codes)
def test_poster_codes_and_invites_never_mix(code: str) -> None:
    assert invite_from_text(entry_payload(code)) is None
    assert entry_from_text(f"i-{code}{code}") is None


@given(st.text(max_size=80))
def test_arbitrary_text_is_never_mistaken_for_a_poster_code(text: str) -> None:
    code = entry_from_text(text)
    assert code is None or (len(code) == ENTRY_LENGTH and set(code) <= set(ALPHABET))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "GY",
        "GY-1234",
        "GY-0O0O0",
        "GY-ABCDEF",
        "gy-abcd",
        "Góp ý: GY-7K3QM nhé",
        "gopy.example.vn/q/GY-7K3QM/draft",
        "gopy.example.vn/r/GY-7K3QM",
        "gopy.example.vn/q/7K3QM",
        "xem gopy.example.vn/q/GY-7K3QM",
        "/q/GY-7K3QM",
        "ftp://gopy.example.vn/q/GY-7K3QM",
    ],
)
def test_not_poster_codes(text: str) -> None:
    assert entry_from_text(text) is None


@pytest.mark.parametrize(
    "text", ["gopy.example.vn/q/GY-N9E9O", "https://gopy.example.vn/q/gy-7k3q"]
)
def test_a_smudged_code_in_a_short_url_gets_the_hint(text: str) -> None:
    assert looks_like_entry(text)


@pytest.mark.parametrize(
    ("typed", "receipt"),
    [("YK-7K3QMA", "YK-7K3QMA"), ("yk 7k3qma", "YK-7K3QMA"), ("YK7K3QMA", "YK-7K3QMA")],
)
def test_receipts_as_officials_type_them(typed: str, receipt: str) -> None:
    assert receipt_from_text(typed) == receipt


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("+84912345678", "+84912345678"),
        ("+84 (0) 912 345 678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("0084 912 345 678", "+84912345678"),
        ("0387-123-456", "+84387123456"),
        ("024 3825 3536", "+842438253536"),  # a Hà Nội landline
        ("０９１２３４５６７８", "+84912345678"),  # full-width digits
    ],
)
def test_vietnamese_phone_numbers(typed: str, number: str) -> None:
    assert parse_phone(typed) == number


@pytest.mark.parametrize(
    "typed",
    ["", "12345", "0123 456 789", "0912 345 67", "0912 345 6789", "+1 212 555 0100", "091234567a"],
)
def test_not_vietnamese_phone_numbers(typed: str) -> None:
    with pytest.raises(InvalidPhone):
        parse_phone(typed)


@given(st.sampled_from("35789"), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_mobile_number_round_trips(prefix: str, rest: str) -> None:
    national = f"0{prefix}{rest}"
    number = parse_phone(national)
    assert number == f"+84{prefix}{rest}"
    assert parse_phone(display_phone(number)) == number
    assert display_phone(number).replace(" ", "") == national


@given(st.text(max_size=40))
def test_parse_phone_accepts_or_refuses_anything(text: str) -> None:
    try:
        number = parse_phone(text)
    except InvalidPhone:
        return
    assert number.startswith("+84") and number[1:].isdigit() and len(number) in (12, 13)


def test_the_same_words_and_files_give_the_same_fingerprint() -> None:
    words = "Đề nghị   làm rõ\nhơn"
    decomposed = unicodedata.normalize("NFD", words)
    photo = Attachment("photo", "id-a", "uniq-a")
    assert fingerprint(words, []) == fingerprint(" đề NGHỊ làm rõ hơn ", [])
    assert fingerprint(words, [photo]) != fingerprint(words, [])
    assert fingerprint("", [photo]) == fingerprint("", [Attachment("photo", "id-b", "uniq-a")])
    # Text reaches the fingerprint already NFC-normalised (forms.clean_text).
    assert fingerprint(unicodedata.normalize("NFC", decomposed), []) == fingerprint(words, [])
