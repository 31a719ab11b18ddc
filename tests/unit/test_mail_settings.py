"""E-mail settings: GOPY_SMTP_URL and GOPY_MAIL_FROM read, checked, and never echoed with the
password; and the words of the e-mail that carries a signed report."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from bot.config import MailSettings, Settings
from bot.i18n import build_i18n
from bot.report_mail import report_mail
from scheduler.mail_delivery import attachment_name, parse_smtp_url, sender_address
from storage.mail_outbox import report_mail_key

SENDER = "Đảng ủy phường Ngọc Hà <bao-cao@ngocha.example.vn>"


def test_the_three_ways_to_reach_a_server() -> None:
    submission = parse_smtp_url(
        "smtp://bao-cao%40ngocha.vn:p%40ss%3Aw%2Frd@mail.example.vn:587?starttls=true",
        sender=SENDER,
    )
    assert (submission.host, submission.port) == ("mail.example.vn", 587)
    assert (submission.username, submission.password) == ("bao-cao@ngocha.vn", "p@ss:w/rd")
    assert (submission.use_tls, submission.start_tls) == (False, True)

    implicit = parse_smtp_url("smtps://u:p@mail.example.vn", sender=SENDER)
    assert (implicit.port, implicit.use_tls, implicit.start_tls) == (465, True, False)

    relay = parse_smtp_url("smtp://relay.local", sender="bao-cao@ngocha.example.vn")
    assert (relay.port, relay.username, relay.password, relay.start_tls) == (25, None, None, None)
    assert relay.domain == "ngocha.example.vn"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://u:hunter22@mail.example.vn", "smtp:// or smtps://"),
        ("mail.example.vn:587", "smtp:// or smtps://"),
        ("smtp://u:hunter22@:587", "no host"),
        ("smtp://u:hunter22@mail.example.vn:99999", "port"),
        ("smtp://u:hunter22@mail.example.vn:abc", "port"),
        ("smtp://u:hunter22@mail.example.vn?starttls=maybe", "?starttls=true"),
        ("smtp://u:hunter22@mail.example.vn?tls=1", "?starttls=true"),
        ("smtps://u:hunter22@mail.example.vn?starttls=true", "TLS from the start"),
    ],
)
def test_a_bad_url_is_refused_without_quoting_it(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=r"GOPY_SMTP_URL|smtps://") as error:
        parse_smtp_url(url, sender=SENDER)
    assert says in str(error.value) and "hunter22" not in str(error.value)


@given(
    user=st.text(min_size=1, max_size=30),
    password=st.text(min_size=1, max_size=40),
    port=st.integers(min_value=1, max_value=65535),
)
def test_any_user_and_password_survive_percent_encoding(
    user: str, password: str, port: int
) -> None:
    url = f"smtp://{quote(user, safe='')}:{quote(password, safe='')}@mail.example.vn:{port}"
    parsed = parse_smtp_url(url, sender=SENDER)
    assert (parsed.username, parsed.password, parsed.port) == (user, password, port)


@given(password=st.text(min_size=6, max_size=30), tail=st.text(max_size=12))
def test_no_error_quotes_the_password(password: str, tail: str) -> None:
    url = f"smtp://u:{password}@mail.example.vn{tail}"
    try:
        parse_smtp_url(url, sender=SENDER)
    except ValueError as error:
        message = str(error)
        assume(password not in parse_messages())
        assert password not in message


def parse_messages() -> str:
    """Every fixed word an error may say (a password that is one of them proves nothing)."""
    return (
        "GOPY_SMTP_URL must start with smtp:// or smtps:// names no host has a port that is "
        "not a number from 1 to 65535 takes one option: ?starttls=true or ?starttls=false "
        "smtps:// is TLS from the start; ?starttls=true goes with smtp://"
    )


def test_the_sender_may_carry_a_display_name() -> None:
    assert sender_address(SENDER) == "bao-cao@ngocha.example.vn"
    assert sender_address("bao-cao@ngocha.example.vn") == "bao-cao@ngocha.example.vn"
    for bad in ("", "bao-cao", "Ngọc Hà <bao-cao>", "a@b.vn, c@d.vn", "a b@c.vn"):
        with pytest.raises(ValueError, match="GOPY_MAIL_FROM"):
            sender_address(bad)


def test_settings_read_gopy_smtp_url_and_gopy_mail_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOPY_SMTP_URL", "smtp://u:hunter22@mail.example.vn:587?starttls=true")
    monkeypatch.setenv("GOPY_MAIL_FROM", SENDER)
    monkeypatch.setenv("GOPY_MAIL_TIMEOUT_SECONDS", "20")
    smtp = Settings().mail.smtp()
    assert smtp is not None and smtp.host == "mail.example.vn" and smtp.sender == SENDER
    assert smtp.timeout == 20 and smtp.lease >= timedelta(minutes=5)
    assert "hunter22" not in repr(Settings()) and "hunter22" not in repr(smtp)


def test_unprefixed_names_are_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://mail.example.vn")
    monkeypatch.setenv("MAIL_FROM", SENDER)
    assert Settings().mail.smtp() is None


def test_a_server_without_a_sender_or_a_bad_url_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOPY_SMTP_URL", "smtp://u:hunter22@mail.example.vn")
    with pytest.raises(ValidationError, match="GOPY_MAIL_FROM") as error:
        Settings()
    assert "hunter22" not in str(error.value)
    monkeypatch.setenv("GOPY_MAIL_FROM", SENDER)
    monkeypatch.setenv("GOPY_SMTP_URL", "smtp://u:hunter22@mail.example.vn:0x19")
    with pytest.raises(ValidationError, match="port") as error:
        Settings()
    assert "hunter22" not in str(error.value)


def test_by_field_name_too() -> None:
    mail = MailSettings(smtp_url=SecretStr("smtps://mail.example.vn"), sender=SENDER)
    assert mail.smtp() is not None
    assert MailSettings(sender=SENDER).smtp() is None


def test_the_mail_of_a_signed_report_in_vietnamese_and_english() -> None:
    i18n = build_i18n("vi")
    words = {
        "unit_name": "Đảng ủy phường Ngọc Hà",
        "subject_line": "Báo cáo tuần 3 (06/11 – 12/11)",
        "receipt": "NH-2025-0312",
        "signed_at_text": "16:05 thứ Tư, 12/11",
        "signer": "Nguyễn Thị Lan",
    }
    with i18n.context(), i18n.use_locale("vi"):
        subject, body = report_mail(**words)
    assert subject == "Báo cáo tuần 3 (06/11 – 12/11) – Đảng ủy phường Ngọc Hà"
    assert body == (
        "Kính gửi Quý cơ quan,\n\n"
        "Đảng ủy phường Ngọc Hà trân trọng gửi kèm theo đây Báo cáo tuần 3 (06/11 – 12/11), "
        "do đồng chí Nguyễn Thị Lan ký lúc 16:05 thứ Tư, 12/11.\n\n"
        "Mã biên nhận: NH-2025-0312.\n\n"
        "Trân trọng,\nĐảng ủy phường Ngọc Hà\n"
    )
    with i18n.context(), i18n.use_locale("en"):
        subject, body = report_mail(**words)
    assert body.startswith("Dear colleagues,") and "Receipt: NH-2025-0312." in body
    assert "gopy" not in (subject + body).lower()


def test_a_subject_stays_on_one_line() -> None:
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        subject, _ = report_mail(
            unit_name="Đảng ủy\nphường Ngọc Hà",
            subject_line="Báo cáo\r\ntuần 3",
            receipt="X",
            signed_at_text="16:05 thứ Tư, 12/11",
            signer="Lan",
        )
    assert subject == "Báo cáo tuần 3 – Đảng ủy phường Ngọc Hà"


@given(st.one_of(st.none(), st.text(max_size=80)))
def test_an_attachment_name_is_always_a_plain_file_name(name: str | None) -> None:
    cleaned = attachment_name(name)
    assert cleaned and cleaned.isprintable() and not {"/", "\\"} & set(cleaned)
    assert cleaned == cleaned.strip(" .") or cleaned == "attachment"


def test_a_good_attachment_name_is_kept() -> None:
    name = "Báo cáo tuần 3 – Phường Ngọc Hà (bản ký).docx"
    assert attachment_name(name) == name
    assert attachment_name("báo cáo/tuần 3\n.docx") == "báo cáo-tuần 3.docx"


def test_one_mail_key_per_revision_and_address() -> None:
    assert report_mail_key(revision_id=7, to=" BTGDV@Hanoi.example.vn ") == (
        "report:7:btgdv@hanoi.example.vn"
    )
    long = "a" * 150 + "@example.vn"
    key = report_mail_key(revision_id=7, to=long)
    assert len(key) <= 160 and key != report_mail_key(revision_id=7, to="b" + long)
    assert key == report_mail_key(revision_id=7, to=long.upper())
