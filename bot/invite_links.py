"""What an invite is handed over as: one rule for ``gopy invite create``, the demo's list and
the desk's printed invite cards.

On Telegram a deep link (``https://t.me/<bot>?start=i-ABCDEFGHJK``) opens the bot with the
code already in ``/start``, so a QR code of it is all a secretary scans. Zalo has no deep
links: there the code is typed to the bot (``handlers.start`` reads a bare code), so every
invite also carries its code to type, grouped for reading (``ABCDE-FGHJK``).
"""

from __future__ import annotations

from aiogram.utils.deep_linking import create_deep_link

from storage.codes import invite_payload, pretty_code


def invite_link(telegram_username: str | None, code: str) -> str | None:
    """The Telegram deep link that joins with ``code``; None when no Telegram bot is known
    (the code is typed instead)."""
    username = (telegram_username or "").lstrip("@")
    if not username:
        return None
    return create_deep_link(username, "start", invite_payload(code))


def typed_invite(code: str) -> str:
    """The code as a person types it to the bot on Zalo or Telegram: ``ABCDE-FGHJK``."""
    return pretty_code(code)
