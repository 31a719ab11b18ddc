"""What a poster's QR codes encode: one rule for ``gopy qr``, ``/qr`` on Telegram and Zalo,
and the posters themselves.

With a public address (``GOPY_PUBLIC_URL``, else ``GOPY_WEBHOOK_URL``) the big code opens
gopy's landing page ``/q/GY-7K3QM``, which offers Zalo, Telegram and a web form to everyone.
Without one it opens Telegram (a deep link) when a Telegram bot is known, else there is no
code and the poster shows the code to type; a note says how to get the landing page. Zalo has
no deep links, so a poster made on Zalo has the landing page or no code at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.deep_linking import create_deep_link
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.links import absolute, draft_path, landing_path
from handlers.files import Reach
from handlers.report import REPORT_PAYLOAD
from storage.codes import entry_payload


@dataclass(frozen=True, slots=True)
class PosterLinks:
    """Where posters point: the public address, or None when there is none."""

    base: str | None = None
    # ``base`` is the simulator on this computer (make run): fine for a trial, not for print.
    local: bool = False

    def entry(self, code: str, reach: Reach) -> str | None:
        """The big code of a poster of entry ``code``: the landing page, else the Telegram
        deep link, else None."""
        if self.base is not None:
            return absolute(self.base, landing_path(code))
        if reach.telegram:
            return create_deep_link(reach.telegram, "start", entry_payload(code))
        return None

    def report(self, reach: Reach) -> str | None:
        """The big code of the secretaries' quick-report poster: Telegram's deep link, or None.

        Not the landing page: that page is for citizens' comments, and secretaries already
        talk to the bot; on Zalo (no deep links) the poster says what to send instead.
        """
        if reach.telegram:
            return create_deep_link(reach.telegram, "start", REPORT_PAYLOAD)
        return None

    def full_text(self, code: str, *, hosted: bool, external: str | None) -> str | None:
        """The smaller code to the full draft: gopy's draft page when there is a public
        address and a draft to show (kept by gopy, or elsewhere at ``external``), else the
        document's own address, else None."""
        if self.base is not None and (hosted or external):
            return absolute(self.base, draft_path(code))
        return external

    def note(self, link: str | None) -> str | None:
        """Why a comment poster's big code does not open the landing page, and how to make it
        do so; None when it does."""
        if self.base is not None:
            if not self.local:
                return None
            return _(
                "This QR code opens the simulator on this computer ({address}): for a trial "
                "only. For posters people can scan, the administrator sets GOPY_PUBLIC_URL to "
                "this server's public address."
            ).format(address=self.base)
        if link is not None:
            return _(
                "This QR code opens Telegram only. For a code that opens a page with Zalo, "
                "Telegram and a web form, the administrator sets GOPY_PUBLIC_URL to this "
                "server's public address."
            )
        return _(
            "No QR code: this server has no public address, so the poster shows the code to "
            "type. For a QR code that opens a page with Zalo, Telegram and a web form, the "
            "administrator sets GOPY_PUBLIC_URL to this server's public address."
        )

    def report_note(self, link: str | None) -> str | None:
        """Why the quick-report poster has no code; None when it has one."""
        if link is not None:
            return None
        return _(
            "No QR code: the quick report opens in Telegram, and no Telegram bot is set up. "
            "The poster asks secretaries to send /report to the bot."
        )


def printed(link: str) -> str:
    """The address as printed under the code: without ``https://``, which browsers add."""
    return link.removeprefix("https://")


def poster_links(settings: Settings) -> PosterLinks:
    """The chat's rule (``/qr``): the public address; in the simulator, its own address, so
    that a trial of ``make run`` shows the landing page."""
    if settings.public_base is not None:
        return PosterLinks(settings.public_base)
    if settings.simulator:
        return PosterLinks(settings.local_base, local=True)
    return PosterLinks()
