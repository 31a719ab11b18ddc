"""The desk's addresses, in one place: routes are registered from these, links built from them.

Every desk page lives under ``/desk``, so its session cookie is sent nowhere else.
"""

from __future__ import annotations

from urllib.parse import quote

ROOT = "/desk"
SIGN_IN_ROUTE = ROOT + "/signin/{token}"
SIGN_OUT = ROOT + "/signout"
BOARD = ROOT
REMIND = ROOT + "/remind"
UNIT_ROUTE = ROOT + "/units/{unit}"
COMMENTS = ROOT + "/comments"
COMMENT_ROUTE = ROOT + "/comments/{receipt}"
COMMENT_REPLY_ROUTE = COMMENT_ROUTE + "/reply"
COMMENT_MODERATE_ROUTE = COMMENT_ROUTE + "/moderate"
COMMENT_THEME_ROUTE = COMMENT_ROUTE + "/theme"
COMMENT_PHOTO_ROUTE = COMMENT_ROUTE + "/photos/{number}"
THEMES = ROOT + "/themes"
THEME_ROUTE = THEMES + "/{theme}"
THEME_RENAME_ROUTE = THEME_ROUTE + "/rename"
THEME_MERGE_ROUTE = THEME_ROUTE + "/merge"
REPORTS = ROOT + "/reports"
POSTERS = ROOT + "/posters"
CAMPAIGN = ROOT + "/campaign"


def sign_in_path(token: str) -> str:
    return SIGN_IN_ROUTE.format(token=quote(token, safe=""))


def unit_path(unit_id: int) -> str:
    return UNIT_ROUTE.format(unit=unit_id)


def comment_path(receipt: str) -> str:
    return COMMENT_ROUTE.format(receipt=quote(receipt, safe=""))


def comment_action_path(route: str, receipt: str) -> str:
    """A comment's reply, moderate or theme route (``COMMENT_*_ROUTE``) for ``receipt``."""
    return route.format(receipt=quote(receipt, safe=""))


def comment_photo_path(receipt: str, number: int) -> str:
    return COMMENT_PHOTO_ROUTE.format(receipt=quote(receipt, safe=""), number=number)


def theme_path(theme_id: int, route: str = THEME_ROUTE) -> str:
    """A theme's page (or its ``THEME_*_ROUTE`` action)."""
    return route.format(theme=theme_id)
