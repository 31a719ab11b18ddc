"""GOPY_PUBLIC_URL, what every poster's QR code starts with: an address gopy can put its paths
after (``/q/GY-…``), or refused when gopy starts, never printed on posters broken."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.poster_links import PosterLinks, printed
from handlers.files import Reach
from storage.codes import entry_from_text


@pytest.mark.parametrize(
    ("value", "landing"),
    [
        ("https://gopy.example.vn", "https://gopy.example.vn/q/GY-7K3QM"),
        (" https://gopy.example.vn/ ", "https://gopy.example.vn/q/GY-7K3QM"),
        ("https://so.hanoi.gov.vn/gop-y/", "https://so.hanoi.gov.vn/gop-y/q/GY-7K3QM"),
        ("http://192.168.1.10:8080", "http://192.168.1.10:8080/q/GY-7K3QM"),
    ],
)
def test_a_public_address_prefixes_the_posters_links(value: str, landing: str) -> None:
    settings = Settings(public_url=value)
    link = PosterLinks(settings.public_base).entry("7K3QM", Reach())

    assert link == landing
    assert entry_from_text(printed(link)) == "7K3QM", "typed from the poster, it is the code"


@pytest.mark.parametrize(
    "value",
    [
        # Regression: copied from a browser's address bar with what follows the address, it
        # was taken, and every QR code then opened «…/?lang=vi/q/GY-…»: the home page.
        "https://gopy.example.vn/?lang=vi",
        "https://gopy.example.vn/#gop-y",
        "https://gopy.example.vn?",
        "https://so.hanoi.gov.vn/gop-y?from=portal",
        "https://",
        "https:///gop-y",
        "https://gopy example.vn",
    ],
)
def test_an_address_gopy_cannot_append_to_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="GOPY_PUBLIC_URL"):
        Settings(public_url=value)
