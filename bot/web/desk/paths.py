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
UNIT_INVITES_ROUTE = UNIT_ROUTE + "/invites"
INVITE_REVOKE_ROUTE = ROOT + "/invites/{invite}/revoke"
COMMENTS = ROOT + "/comments"
COMMENT_ROUTE = ROOT + "/comments/{receipt}"
THEMES = ROOT + "/themes"
REPORTS = ROOT + "/reports"
# A unit's report for a week of its reporting units (a period id), the whole campaign
# (``WHOLE``) or its signed final report (``FINAL``), as docx, xlsx or csv.
REPORT_FILE_ROUTE = REPORTS + "/{unit}/{campaign}/{week}.{fmt}"
WHOLE = "all"
FINAL = "final"
# Signing the unit's own report for one of its periods: the form, then «Ký và gửi».
REPORT_SIGN_ROUTE = REPORTS + "/{unit}/{campaign}/sign/{period}"
POSTERS = ROOT + "/posters"
POSTERS_PRINT = POSTERS + "/print"  # what will print, and the button that makes the codes
POSTERS_PDF = POSTERS + "/pdf"  # the document, once the codes exist
CAMPAIGN = ROOT + "/campaign"
CAMPAIGN_UPLOAD = CAMPAIGN + "/upload"
# Registered last: any other address under the desk (a polite 404, not aiohttp's bare one).
ELSEWHERE_ROUTE = ROOT + "/{rest:.*}"


def sign_in_path(token: str) -> str:
    return SIGN_IN_ROUTE.format(token=quote(token, safe=""))


def unit_path(unit_id: int) -> str:
    return UNIT_ROUTE.format(unit=unit_id)


def unit_invites_path(unit_id: int) -> str:
    return UNIT_INVITES_ROUTE.format(unit=unit_id)


def invite_revoke_path(invite_id: int) -> str:
    return INVITE_REVOKE_ROUTE.format(invite=invite_id)


def comment_path(receipt: str) -> str:
    return COMMENT_ROUTE.format(receipt=quote(receipt, safe=""))


def report_file_path(unit_id: int, campaign_id: int, week: int | str, fmt: str) -> str:
    return REPORT_FILE_ROUTE.format(unit=unit_id, campaign=campaign_id, week=week, fmt=fmt)


def report_sign_path(unit_id: int, campaign_id: int, period_id: int) -> str:
    return REPORT_SIGN_ROUTE.format(unit=unit_id, campaign=campaign_id, period=period_id)
