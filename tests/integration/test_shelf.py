"""Signed, expiring file links over real HTTP: the file once, 404 for anything else."""

from __future__ import annotations

import string
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.web.app import build_web_app
from bot.web.shelf import MAX_FILES, Shelf
from scheduler.clock import FrozenClock
from tests.chat import at
from tests.fakes.telegram import serve_app


@pytest.fixture
async def served(clock: FrozenClock) -> AsyncIterator[tuple[Shelf, str, aiohttp.ClientSession]]:
    shelf = Shelf(clock, secret=b"test-shelf-key-0123456789abcdef!")  # the same MACs every run
    runner, url = await serve_app(build_web_app([shelf.route()]))
    shelf.base_url = url
    async with aiohttp.ClientSession() as http:
        yield shelf, url, http
    await runner.cleanup()


async def test_a_link_gives_the_file_until_it_expires(
    served: tuple[Shelf, str, aiohttp.ClientSession], clock: FrozenClock
) -> None:
    shelf, _url, http = served
    link = shelf.put("bao-cao-ngocha.docx", b"PK...docx", ttl=timedelta(hours=1))
    async with http.get(link) as response:
        assert response.status == 200 and await response.read() == b"PK...docx"
        assert "attachment" in response.headers["Content-Disposition"]
    clock.advance(timedelta(hours=1, seconds=1))
    async with http.get(link) as response:
        assert response.status == 404


async def test_forged_links_are_404(served: tuple[Shelf, str, aiohttp.ClientSession]) -> None:
    shelf, url, http = served
    link = shelf.put("poster.pdf", b"%PDF")
    token = link.split("/f/")[1].split("/")[0]
    file_id, stamp, mac = token.split(".")
    flipped = "0" if mac[-1] != "0" else "1"
    forged = [
        f"{int(file_id) + 1}.{stamp}.{mac}",
        f"{file_id}.{int(stamp) + 3600}.{mac}",
        f"{file_id}.{stamp}.{mac[:-1]}{flipped}",
        f"{file_id}.{stamp}.{mac.upper()}",
        f"{file_id}.{stamp}.{mac}0",
        f"{file_id}.{stamp}.{mac[:-1]}",
        "garbage",
        "1.2",
        "../../etc/passwd",
        "9" * 400 + ".1.x",
    ]
    for token in forged:
        async with http.get(f"{url}/f/{token}/poster.pdf") as response:
            assert response.status == 404, token
    async with http.get(link) as response:
        assert response.status == 200, "the real link still works"


# Every character a URL path segment may carry, and a few look-alike digits.
ALPHABET = string.ascii_letters + string.digits + "-._~=+/%²³¹٣０"


def test_every_changed_character_invalidates_a_token(clock: FrozenClock) -> None:
    """Each position of a real token, changed to each other character: never valid.
    Deterministic (a fixed key; every substitution, not a random one)."""
    shelf = Shelf(clock, secret=b"k" * 32)
    token = shelf.put("a.csv", b"1").split("/f/")[1].split("/")[0]
    assert shelf.get(token) is not None
    tried = 0
    for position, original in enumerate(token):
        for other in ALPHABET:
            if other != original:
                assert shelf.get(token[:position] + other + token[position + 1 :]) is None
                tried += 1
        assert shelf.get(token[:position] + token[position + 1 :]) is None
    assert tried >= len(token) * (len(ALPHABET) - 1)


@pytest.mark.parametrize(
    "token",
    [
        "².1.x",
        "1.²³.x",
        "1²." + "0" * 10 + "." + "0" * 32,
        "٣.1762740000." + "0" * 32,
        "9" * 5_000 + ".1.x",
        "1." + "9" * 5_000 + ".x",
        "1." + "9" * 5_000 + "." + "0" * 32,
        "1.1." + "f" * 5_000,
    ],
)
async def test_tokens_of_strange_digits_are_404(
    served: tuple[Shelf, str, aiohttp.ClientSession], token: str
) -> None:
    shelf, url, http = served
    shelf.put("a.csv", b"1")
    async with http.get(f"{url}/f/{quote(token)}/a.csv") as response:
        assert response.status == 404, token[:40]


async def test_the_shelf_is_bounded(clock: FrozenClock) -> None:
    shelf = Shelf(clock)
    first = shelf.put("a.csv", b"1")
    for n in range(MAX_FILES):
        shelf.put(f"{n}.csv", b"x")
    assert shelf.get(first.split("/f/")[1].split("/")[0]) is None, "the oldest made room"


@given(st.text(max_size=200))
@settings(max_examples=100, deadline=None)
def test_no_text_is_a_valid_token(token: str) -> None:
    shelf = Shelf(FrozenClock(at("2025-11-10 09:00")))
    shelf.put("a.csv", b"1")
    assert shelf.get(token) is None
