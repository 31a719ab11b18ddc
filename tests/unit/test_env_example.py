""".env.example as compose.yaml's ``env_file`` hands it to gopy: every line, blanks included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import Settings, WebhookSettings

CHECKOUT = Path(__file__).resolve().parents[2]


def example_lines() -> dict[str, str]:
    """The ``NAME=value`` lines of .env.example (compose passes blank values as set and empty)."""
    pairs = {}
    for line in (CHECKOUT / ".env.example").read_text("utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _sep, value = line.partition("=")
            pairs[name.strip()] = value
    return pairs


# review: .env.example says "GOPY_TELEGRAM_TOKEN (and/or GOPY_ZALO_TOKEN)", but a blank
# GOPY_TELEGRAM_TOKEN= left as it is was read as a token "" — a Zalo-only office got a
# Telegram bot with an empty token. A blank value must count as unset.
def test_a_line_left_blank_is_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's
    for name in [n for n in os.environ if n.startswith("GOPY_")]:
        monkeypatch.delenv(name)
    filled = {
        "GOPY_SECRET_KEY": "k" * 48,
        "GOPY_WEBHOOK_SECRET": "zalo-only-office",
        "GOPY_ZALO_TOKEN": "1234:abcd",
    }
    for name, value in (example_lines() | filled).items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.telegram.token is None
    assert settings.zalo.token is not None
    assert settings.metrics_token is None


# review: an empty webhook secret was accepted (GOPY_WEBHOOK_SECRET= of .env.example, before
# blanks counted as unset, or WebhookSettings(secret="")); the webhook then compared the
# missing header "" to the secret "" and took any POST to /tg/<sha256("gopy-telegram:")[:32]>,
# a path anyone can compute: forged updates in any member's name.
def test_an_empty_webhook_secret_is_refused() -> None:
    with pytest.raises(ValidationError):
        WebhookSettings(secret=SecretStr(""))
