"""Why a web comment was not taken, in the reader's words, and the HTTP status that says so."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.web.site import Text
from handlers.format import moment
from storage.entries import Entry
from storage.web_comments import WebOutcome, WebSubmitted


def refusal(submitted: WebSubmitted, entry: Entry, settings: Settings) -> tuple[int, Text]:
    """The status and the polite words of a comment not taken (the form comes back as typed).

    A closed consultation is 410, not 400: the form was right, and sending it again will never
    work; one not open yet is 409, until it opens. The limits are 429, with the local time
    they lift (and Retry-After).
    """
    campaign = entry.target.campaign
    tz = campaign.timezone
    outcome = submitted.outcome
    if outcome is WebOutcome.CLOSED:
        return 410, lambda: _(
            "The consultation ended at {time}; your comment could not be sent."
        ).format(time=moment(campaign.ends_at, tz))
    if outcome is WebOutcome.NOT_YET_OPEN:
        return 409, lambda: _(
            "The consultation opens at {time}; your comment could not be sent yet. Please "
            "send it again then."
        ).format(time=moment(campaign.starts_at, tz))
    retry = submitted.retry_at
    per_hour = settings.comments.per_hour
    if outcome is WebOutcome.ADDRESS_LIMITED and retry is not None:
        return 429, lambda: _(
            "Many comments came from your network in the last hour, the most we take from one "
            "place. You can send again from {time}. Thank you for your patience."
        ).format(time=moment(retry, tz))
    if outcome is WebOutcome.PHONE_LIMITED and retry is not None:
        return 429, lambda: _(
            "This phone number has sent {count} comments in the last hour, the most we take. "
            "You can send again from {time}. Thank you for your patience."
        ).format(count=per_hour, time=moment(retry, tz))
    if outcome is WebOutcome.RATE_LIMITED and retry is not None:
        return 429, lambda: _(
            "You have sent {count} comments in the last hour, the most we take. "
            "You can send again from {time}. Thank you for your patience."
        ).format(count=per_hour, time=moment(retry, tz))
    problem = submitted.problem
    # The domain's reason is an English msgid of the catalogue, translated here.
    return (
        400,
        lambda: _(problem) if problem else _("Please check your comment and send it again."),
    )


def with_photos_again(notice: Text) -> Text:
    """A browser cannot put chosen files back in a form: say so."""
    return lambda: notice() + " " + _("Please choose your photos again.")
