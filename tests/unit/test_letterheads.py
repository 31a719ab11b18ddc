"""A unit's letterhead: JSON that tolerates old and hand-edited rows, what people type for the
recipients, issuer and signer, and the rules a letterhead must obey."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.letterheads import (
    MAX_PURPOSE,
    MAX_RECIPIENTS,
    Letterhead,
    LetterheadProblem,
    Recipient,
    Signer,
    check,
    check_email,
    check_sign,
    differences,
    nfc,
    parse_issuer,
    parse_recipient,
    parse_recipients,
    parse_signer,
    recipient_line,
    signer_lines,
)
from tests.seed_letterheads import HANOI_BOARD, SEEDS

# --- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SEEDS))
def test_json_round_trips(name: str) -> None:
    letterhead = SEEDS[name].letterhead
    assert Letterhead.from_json(letterhead.to_json()) == letterhead


def test_missing_and_wrong_keys_keep_the_defaults_under_them() -> None:
    over = HANOI_BOARD.letterhead
    loaded = Letterhead.from_json(
        {"sign": "ĐU", "place": 12, "signer": {"name": "Lê Văn An", "mode": "X/Y"}, "extra": 1},
        over=over,
    )
    assert loaded == replace(over, sign="ĐU", signer=replace(over.signer, name="Lê Văn An"))
    assert Letterhead.from_json({}) == Letterhead()
    assert Letterhead.from_json({"recipients": ["A", {"name": "B", "purpose": "b/c"}, 3]}) == (
        Letterhead(recipients=(Recipient("A"), Recipient("B", "b/c")))
    )


def test_only_the_differences_from_the_defaults_are_stored() -> None:
    default = Letterhead(issuer="Đảng ủy phường Ngọc Hà", place="Ngọc Hà")
    mine = replace(default, sign="BXDĐ", signer=replace(default.signer, name="Vũ Hồng Thanh"))
    assert differences(mine, default) == {"sign": "BXDĐ", "signer": {"name": "Vũ Hồng Thanh"}}
    assert differences(default, default) == {}
    assert Letterhead.from_json(differences(mine, default), over=default) == mine


# --- recipients typed one per line -------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- Thường trực Tỉnh ủy (b/c),", Recipient("Thường trực Tỉnh ủy", "b/c")),
        ("- Như trên, (để phối hợp thực hiện)", Recipient("Như trên", "để phối hợp thực hiện")),
        ("Ban TGDV TU", Recipient("Ban TGDV TU")),
        ("• UBND (phường) Ngọc Hà;", Recipient("UBND (phường) Ngọc Hà")),
        ("A (b) (để biết)", Recipient("A (b)", "để biết")),
        ("(để biết)", Recipient("(để biết)")),
        (
            "- UBMTTQVN và các đoàn thể chính trị - xã hội TP.",
            Recipient("UBMTTQVN và các đoàn thể chính trị - xã hội TP"),
        ),
    ],
)
def test_a_recipient_line(line: str, expected: Recipient) -> None:
    assert parse_recipient(line) == expected


def test_recipients_with_the_archive_line() -> None:
    typed = "\n".join(
        [
            "- Ban Tuyên giáo và Dân vận TW (để b/cáo),",
            "",
            "Thường trực Thành ủy (để b/cáo)",
            "- Lưu VT, TT - TH.",
        ]
    )
    recipients, archive = parse_recipients(typed)
    assert recipients == HANOI_BOARD.letterhead.recipients[:2]
    assert archive == "Lưu VT, TT - TH"
    assert parse_recipients("Như trên") == ((Recipient("Như trên"),), None)
    assert parse_recipients("Lưu trữ Thành ủy") == ((), "Lưu trữ Thành ủy")


def test_too_many_or_too_long_recipients_are_refused() -> None:
    with pytest.raises(LetterheadProblem) as many:
        parse_recipients("\n".join(f"Chi bộ {n}" for n in range(MAX_RECIPIENTS + 1)))
    assert many.value.reason == "too_many"
    with pytest.raises(LetterheadProblem) as long:
        parse_recipients(f"Như trên ({'x' * (MAX_PURPOSE + 1)})")
    assert (long.value.part, long.value.reason) == ("purpose", "too_long")


# Names and purposes as people write them: letters with diacritics, digits, punctuation.
_WORD = st.text(
    st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyÀẢÃÁẠẰẲẴẮẶĐỆỒỮ0123456789/.,-;&"),
    min_size=1,
    max_size=8,
)
_PHRASE = st.lists(_WORD, min_size=1, max_size=5).map(" ".join)


def _recipient(name: str, purpose: str) -> Recipient:
    return Recipient(nfc(name).lstrip(" -–—•+*").rstrip(" ,;."), nfc(purpose))


@given(_PHRASE, st.one_of(st.just(""), _PHRASE))
def test_a_recipient_line_reads_back_as_written(name: str, purpose: str) -> None:
    recipient = _recipient(name, purpose)
    if not recipient.name:
        return
    assert parse_recipient(recipient_line(recipient)) == recipient


@given(st.text(max_size=300))
def test_any_line_gives_a_clean_recipient(line: str) -> None:
    recipient = parse_recipient(line)
    for text in (recipient.name, recipient.purpose):
        assert text == unicodedata.normalize("NFC", text)
        assert text == " ".join(text.split())
    # What it reads it writes back the same way: the line is a fixed point.
    assert parse_recipient(recipient_line(recipient)) == recipient or not recipient.name


@given(st.lists(st.text(max_size=60), max_size=MAX_RECIPIENTS))
def test_recipients_never_fail_but_on_the_rules(lines: list[str]) -> None:
    try:
        recipients, _archive = parse_recipients("\n".join(lines))
    except LetterheadProblem as problem:
        assert problem.reason in {"too_long", "one_line"}
        return
    assert all(r.name for r in recipients)
    assert len(recipients) <= len("\n".join(lines).replace("\r", "\n").split("\n"))


# --- issuer, signer, sign, e-mail ------------------------------------------------------------


def test_issuer_lines() -> None:
    assert parse_issuer("Thành ủy Hà Nội\nBan Tuyên giáo và Dân vận") == (
        "Thành ủy Hà Nội",
        "Ban Tuyên giáo và Dân vận",
    )
    assert parse_issuer("  Đảng ủy phường Ngọc Hà \n\n") == ("", "Đảng ủy phường Ngọc Hà")
    for bad, reason in (("\n \n", "empty"), ("a\nb\nc", "too_many"), ("x" * 201, "too_long")):
        with pytest.raises(LetterheadProblem) as problem:
            parse_issuer(bad)
        assert problem.value.reason == reason


def test_signer_as_it_prints() -> None:
    typed = "K/T TRƯỞNG BAN\nPHÓ TRƯỞNG BAN\nNguyễn Hoàng Sơn"
    signer = parse_signer(typed)
    assert signer == Signer("K/T", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Nguyễn Hoàng Sơn")
    assert parse_signer("\n".join(signer_lines(signer))) == signer
    assert parse_signer("t/m Ban Thường vụ / Phó Bí thư") == Signer(
        "T/M", "Ban Thường vụ", "Phó Bí thư"
    )
    for bad, reason in (
        ("BÍ THƯ", "signer_lines"),
        ("Q/L ĐẢNG ỦY\nBÍ THƯ", "bad_mode"),
        ("T/M\nBÍ THƯ", "empty"),
        ("a\nb\nc\nd", "signer_lines"),
    ):
        with pytest.raises(LetterheadProblem) as problem:
            parse_signer(bad)
        assert problem.value.reason == reason, bad


def test_sign_and_email() -> None:
    assert check_sign("BTGDVTU") == "BTGDVTU"
    assert check_sign("-BC/BTGDVTW-BCĐ") == "BTGDVTW-BCĐ"
    assert check_email("phongttbtgtu@gmail.com") == "phongttbtgtu@gmail.com"
    for bad in ("BC /TU", "", "Đ U"):
        with pytest.raises(LetterheadProblem):
            check_sign(bad)
    for bad in ("phongtt", "a@b", "a b@c.vn", "a@b.vn\nb@c.vn"):
        with pytest.raises(LetterheadProblem):
            check_email(bad)


def test_an_empty_issuer_or_place_is_refused() -> None:
    letterhead = HANOI_BOARD.letterhead
    assert check(letterhead) is letterhead
    for broken in (replace(letterhead, issuer=" "), replace(letterhead, place="")):
        with pytest.raises(LetterheadProblem) as problem:
            check(broken)
        assert problem.value.reason == "empty"
