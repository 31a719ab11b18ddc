"""Zalo events as the sources show them (docs/zalo-bot-platform.md §2–3, §12) read tolerantly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.channels.updates import user
from bot.channels.zalo_events import (
    IMAGE,
    LINK,
    STICKER,
    TEXT,
    UNSUPPORTED,
    parse_event,
    stable_int,
    to_message,
)

DOCS_SAMPLE: dict[str, Any] = {
    "ok": True,
    "result": {
        "message": {
            "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False},
            "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
            "text": "Xin chào",
            "message_id": "2d758cb5e222177a4e35",
            "date": 1750316131602,
        },
        "event_name": "message.text.received",
    },
}
# The polling sample of the second docs copy: no event_name, ``first_name``.
POLL_SAMPLE = {
    "message": {
        "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
        "text": "Xin chào",
        "message_id": "16f6366b3f02645a3d15",
        "date": 1766619597466,
        "from": {"id": "e4ea2cd5189df1c3a88c", "first_name": "Nguyen Van A"},
    }
}


def test_the_documented_webhook_sample() -> None:
    event = parse_event(DOCS_SAMPLE)
    assert event is not None
    assert (event.kind, event.key, event.text) == (TEXT, "2d758cb5e222177a4e35", "Xin chào")
    assert event.sender_id == event.chat_id == "6ede9afa66b88fe6d6a9"
    assert event.sender_name == "Ted" and not event.group
    assert event.date == datetime(2025, 6, 19, 6, 55, 31, 602000, tzinfo=UTC), "milliseconds"


def test_a_bare_event_and_the_polling_sample_without_an_event_name() -> None:
    bare = parse_event(DOCS_SAMPLE["result"])
    assert bare is not None and bare.kind == TEXT
    polled = parse_event(POLL_SAMPLE)
    assert polled is not None and polled.kind == TEXT
    assert polled.sender_name == "Nguyen Van A"


@pytest.mark.parametrize("field", ["photo_url", "photo", "url"])
def test_the_image_url_in_any_of_its_fields(field: str) -> None:
    message = {**DOCS_SAMPLE["result"]["message"], "caption": "Thư tay"}
    del message["text"]
    message[field] = "https://cdn.zalo.example/p.jpg"
    event = parse_event({"event_name": IMAGE, "message": message})
    assert event is not None and event.kind == IMAGE
    assert event.photo_url == "https://cdn.zalo.example/p.jpg" and event.caption == "Thư tay"


def test_an_image_without_a_url_and_unknown_message_events_are_unsupported() -> None:
    message = {k: v for k, v in DOCS_SAMPLE["result"]["message"].items() if k != "text"}
    assert parse_event({"event_name": IMAGE, "message": message}).kind == UNSUPPORTED  # type: ignore[union-attr]
    voice = parse_event({"event_name": "message.voice.received", "message": message})
    assert voice is not None and voice.kind == UNSUPPORTED


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "gopy.example.vn/q/GY-7K3QM"},
        {"link": {"url": "gopy.example.vn/q/GY-7K3QM", "title": "Góp ý"}},
        {"links": [{"url": "gopy.example.vn/q/GY-7K3QM"}]},
        # Regression: a blank text beside the link hid it (the handlers got "").
        {"text": "", "link": {"url": "gopy.example.vn/q/GY-7K3QM"}},
        {"text": " \n", "links": [{"url": "gopy.example.vn/q/GY-7K3QM"}]},
    ],
)
def test_a_link_message_is_text_to_the_handlers(fields: dict[str, Any]) -> None:
    # A typed poster URL may come as Zalo's link event (OpenClaw reads it as a text message).
    message = {k: v for k, v in DOCS_SAMPLE["result"]["message"].items() if k != "text"}
    event = parse_event({"event_name": LINK, "message": {**message, **fields}})
    assert event is not None and event.kind == TEXT
    assert event.text == "gopy.example.vn/q/GY-7K3QM"
    bare = parse_event({"event_name": LINK, "message": {**message, "link": {"title": "x"}}})
    assert bare is not None and bare.kind == UNSUPPORTED and bare.text is None


def test_unsupported_without_a_message_has_no_sender_and_a_stable_key() -> None:
    body = {"ok": True, "result": {"event_name": UNSUPPORTED}}
    event = parse_event(body)
    assert event is not None and event.sender_id is None
    assert event.key == parse_event(body).key  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "body",
    [None, [], "x", {}, {"ok": True, "result": {}}, {"ok": True}, {"event_name": "bot.added"}],
)
def test_nothing_to_handle(body: Any) -> None:
    assert parse_event(body) is None


def test_over_long_ids_and_bad_dates_are_dropped() -> None:
    message = {**DOCS_SAMPLE["result"]["message"], "message_id": "x" * 65, "date": "soon"}
    message["from"] = {"id": "y" * 65}
    event = parse_event({"event_name": TEXT, "message": message})
    assert event is not None and event.sender_id is None and event.date is None
    assert event.key.startswith(TEXT) and len(event.key) <= 64


@pytest.mark.parametrize("date", ["9" * 5_000, "²", "١٢٣", "1" * 17, 10**400, -5, True])
def test_strange_dates_are_no_dates(date: Any) -> None:
    message = {**DOCS_SAMPLE["result"]["message"], "date": date}
    event = parse_event({"event_name": TEXT, "message": message})
    assert event is not None and event.date is None


@pytest.mark.parametrize("lone", ["\ud800", "\udfff", "a\udc00b"])
def test_lone_surrogates_make_no_id_and_storable_text(lone: str) -> None:
    message = {**DOCS_SAMPLE["result"]["message"], "message_id": lone, "text": "ý" + lone}
    message["from"] = {"id": lone, "display_name": "T" + lone}
    message["chat"] = {"id": lone}
    event = parse_event({"event_name": TEXT, "message": message})
    assert event is not None and event.sender_id is None and event.chat_id is None
    assert event.text is not None and event.key.isprintable()
    for value in (event.text, event.key, event.sender_name):
        value.encode()  # no UnicodeEncodeError: it can be stored and hashed


def test_messages_built_from_events() -> None:
    text = parse_event(
        {
            **DOCS_SAMPLE["result"],
            "message": {**DOCS_SAMPLE["result"]["message"], "text": "/start gy-7K3QM"},
        }
    )
    assert text is not None
    sender = user(5, "Ted")
    date = datetime(2025, 11, 10, tzinfo=UTC)
    message = to_message(text, chat_id=5, sender=sender, date=date, photo_id=None)
    assert message.text == "/start gy-7K3QM" and message.entities is not None
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    sticker = parse_event(
        {
            "event_name": STICKER,
            "message": {**DOCS_SAMPLE["result"]["message"], "sticker": "0e078a2fb66a5f34067b"},
        }
    )
    assert sticker is not None
    made = to_message(sticker, chat_id=5, sender=sender, date=date, photo_id=None)
    assert made.sticker is not None and made.text is None


def test_stable_ints_are_positive_and_repeatable() -> None:
    assert stable_int("zalo:2d758cb5e222177a4e35") == stable_int("zalo:2d758cb5e222177a4e35")
    assert 0 < stable_int("a", bits=31) < 2**31
    assert stable_int("a") != stable_int("b")
