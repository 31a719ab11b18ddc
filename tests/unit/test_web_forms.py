"""The web form's parts: the body taken apart (any bytes: fields, files, or ``Broken``), the
language a visitor reads, the anti-forgery token and the brake on receipt guesses."""

from __future__ import annotations

import contextlib
import encodings.aliases
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.web.browser import token_matches
from bot.web.form_body import MAX_PARTS, _header_params, _multipart, _urlencoded
from bot.web.guesses import GuessLimit
from bot.web.intake import Broken
from bot.web.pages import LANGUAGES, language_from_header
from tests.chat import at
from tests.seed import TEST_KEY

BOUNDARY = "----gopyBoundary7K3QM"


def multipart(
    parts: list[tuple[str, str | None, str | None, bytes]], boundary: str = BOUNDARY
) -> bytes:
    """A body as a browser sends it: (field name, file name, content type, data) per part."""
    out = b""
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        head = f"Content-Disposition: {disposition}\r\n"
        if content_type is not None:
            head += f"Content-Type: {content_type}\r\n"
        out += f"--{boundary}\r\n{head}\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def test_fields_and_files_come_apart() -> None:
    photo = b"\x89PNG\r\n\r\n--" + BOUNDARY.encode()[:-1] + b"\r\n\x00" * 50
    body = multipart(
        [
            ("text", None, None, "Ý kiến «thứ nhất»\r\ndòng hai".encode()),
            ("photos", "ảnh.png", "image/png", photo),
            ("photos", "", "application/octet-stream", b""),  # a file input left empty
            ("text", None, None, b"a second value is ignored"),
            ("name", None, None, b""),
        ]
    )
    form = _multipart(body, BOUNDARY)
    assert form.fields == {"text": "Ý kiến «thứ nhất»\r\ndòng hai", "name": ""}
    assert [(u.name, u.content_type, u.data) for u in form.uploads("photos")] == [
        ("photos", "image/png", photo)
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        multipart([("text", None, None, b"x")])[:-10],  # cut short: no close delimiter
        multipart([("text", None, None, b"\xff\xfe")]),  # not UTF-8
        f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--".encode(),  # no name
        f"--{BOUNDARY}\r\nno colon here\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        f"--{BOUNDARY}junk\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        multipart([("f", None, None, b"")] * (MAX_PARTS + 1)),
    ],
)
def test_a_broken_body_is_broken(body: bytes) -> None:
    with pytest.raises(Broken):
        _multipart(body, BOUNDARY)


@pytest.mark.parametrize(
    "header",
    [
        "multipart/form-data; boundary*=idna''B",
        "multipart/form-data; boundary*=undefined''B",
        "form-data; name*=punycode''%ffx",
    ],
)
def test_a_parameter_in_a_charset_that_does_not_decode_is_broken(header: str) -> None:
    with pytest.raises(Broken):
        _header_params(header)


@given(charset=st.sampled_from(sorted(set(encodings.aliases.aliases.values()))))
def test_a_parameter_in_any_charset_is_read_or_broken(charset: str) -> None:
    with contextlib.suppress(Broken):
        _header_params(f"form-data; name*={charset}''%ff%fe%41x")


def test_an_urlencoded_form() -> None:
    form = _urlencoded(b"text=%C3%BD+ki%E1%BA%BFn&stance=agree&stance=x")
    assert form.fields == {"text": "ý kiến", "stance": "agree"}
    with pytest.raises(Broken):
        _urlencoded(b"text=%ff")


names = st.sampled_from(["text", "photos", "csrf", "website", "ward", "x", "", "ý", 'a"b'])


@given(
    parts=st.lists(
        st.tuples(
            names,
            st.none() | st.text(max_size=10),
            st.none() | st.sampled_from(["image/png", "text/plain", "", "x/y; a=b"]),
            st.binary(max_size=200),
        ),
        max_size=8,
    ),
    cut=st.none() | st.integers(min_value=0, max_value=2000),
    noise=st.binary(max_size=40),
    boundary=st.sampled_from([BOUNDARY, "", "x" * 71, "é", "a b"]),
)
@settings(max_examples=300, deadline=None)
def test_any_body_is_a_form_or_broken(
    parts: list[tuple[str, str | None, str | None, bytes]],
    cut: int | None,
    noise: bytes,
    boundary: str,
) -> None:
    try:
        body = multipart(parts, BOUNDARY)
    except UnicodeEncodeError:  # a surrogate in a drawn name: not something one can send
        return
    if cut is not None:
        body = body[:cut] + noise + body[cut:]
    try:
        form = _multipart(body, boundary)
    except Broken:
        return
    assert len(form.files) <= MAX_PARTS and all(isinstance(v, str) for v in form.fields.values())


@given(st.binary(max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_bytes_urlencoded_are_a_form_or_broken(body: bytes) -> None:
    with contextlib.suppress(Broken):
        _urlencoded(body)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "vi"),
        ("en-US,en;q=0.9", "en"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("fr-FR,en;q=0.5,vi;q=0.7", "vi"),
        ("en;q=0,vi;q=0.1", "vi"),
        ("en;q=nan", "vi"),
        ("de,fr", "vi"),
        ("*", "vi"),
        ("en;q=0.4, vi;q=0.6", "vi"),
        ("de, en-GB;q=0.7", "en"),
        ("en;q=abc, fr", "vi"),
    ],
)
def test_accept_language(header: str, expected: str) -> None:
    assert language_from_header(header, "vi") == expected


@given(st.text(max_size=200))
def test_any_accept_language_gives_a_language(header: str) -> None:
    assert language_from_header(header, "vi") in LANGUAGES


def test_a_form_token_belongs_to_its_browser() -> None:
    browser, other = "a" * 32, "b" * 32
    token = TEST_KEY.form_token(browser)
    assert token_matches(TEST_KEY, browser, token)
    assert not token_matches(TEST_KEY, other, token)
    assert not token_matches(TEST_KEY, None, token)
    assert not token_matches(TEST_KEY, browser, token[:-1])
    assert not token_matches(TEST_KEY, browser, "\udcff")  # a header's undecodable byte


def test_more_than_the_limit_of_misses_blocks_an_address_for_an_hour() -> None:
    guesses = GuessLimit(3)
    start = at("2025-11-10 09:00")
    for minute in range(3):
        assert not guesses.blocked("10.0.0.1", start + timedelta(minutes=minute))
        guesses.missed("10.0.0.1", start + timedelta(minutes=minute))
    assert guesses.blocked("10.0.0.1", start + timedelta(minutes=30))
    assert not guesses.blocked("10.0.0.2", start + timedelta(minutes=30))
    assert not guesses.blocked("10.0.0.1", start + timedelta(minutes=60, seconds=1))


def test_the_brake_forgets_the_least_recent_address_past_its_size() -> None:
    guesses = GuessLimit(1, max_addresses=2)
    now = at("2025-11-10 09:00")
    for address in ("a", "b", "c"):
        guesses.missed(address, now)
    assert not guesses.blocked("a", now)
    assert guesses.blocked("b", now) and guesses.blocked("c", now)


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_header_value_has_a_kind_and_parameters(value: str) -> None:
    kind, params = _header_params(value)
    assert isinstance(kind, str) and all(isinstance(v, str) for v in params.values())


def test_header_parameters_are_unquoted() -> None:
    assert _header_params("multipart/form-data; boundary=\"a b\"; x*=UTF-8''%C3%BD") == (
        "multipart/form-data",
        {"boundary": "a b", "x": "ý"},
    )
