"""Callback data of inline buttons, as typed classes (never hand-built strings)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from storage.models import AuthorCategory, Stance

# Ids as a forged button could carry them: out of range they fail to parse and the button is
# treated as unknown, instead of reaching the database as an overflowing integer.
RowId = Annotated[int, Field(ge=1, lt=2**31)]
Index = Annotated[int, Field(ge=0, lt=100)]


class Nav(StrEnum):
    BACK = "back"
    SKIP = "skip"
    DONE = "done"
    CANCEL = "cancel"
    SUBMIT = "submit"


class PickTarget(CallbackData, prefix="tg"):
    unit_id: RowId
    campaign_id: RowId


class PickPeriod(CallbackData, prefix="pd"):
    period_id: RowId


class FormNav(CallbackData, prefix="fn"):
    action: Nav


class ToggleChoice(CallbackData, prefix="tc"):
    index: Index


class EditField(CallbackData, prefix="ef"):
    index: Index


class AmendReport(CallbackData, prefix="am"):
    report_id: RowId


class FileMissed(CallbackData, prefix="fm"):
    """File, late, a week the unit never reported on (from ``/myreports``)."""

    unit_id: RowId
    period_id: RowId


class SetLocale(CallbackData, prefix="lc"):
    locale: str


class UnitStatus(CallbackData, prefix="us"):
    """The live completeness of an official's unit for one period."""

    unit_id: RowId
    period_id: RowId


# Comments. A zero id means "none": the campaign as a whole, or the document as a whole.
OptionalId = Annotated[int, Field(ge=0, lt=2**31)]


class PickDraft(CallbackData, prefix="cp"):
    """A campaign, document or section chosen to comment on (or to print a QR code for)."""

    campaign_id: RowId
    document_id: OptionalId = 0
    section_id: OptionalId = 0
    # "comment": pick then write; "qr": an official prints the code of the choice.
    purpose: str = "comment"
    # Set when the choice is final (no narrower list to show next).
    final: bool = False


class Step(StrEnum):
    ANONYMOUS = "anon"
    NAMED = "named"
    USE_NAME = "usename"
    SKIP_PHONE = "nophone"
    SEND = "send"
    MORE = "more"
    CANCEL = "cancel"
    KEEP = "keep"  # keep writing the comment in progress instead of switching posters


class CommentNav(CallbackData, prefix="cn"):
    step: Step


class SwitchEntry(CallbackData, prefix="sw"):
    """Leave the comment in progress for the poster just scanned."""

    code: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,8}$")]


class CommentStance(CallbackData, prefix="cst"):
    """«Tán thành», «Không tán thành», «Đồng ý một phần»; None: skipped."""

    stance: Stance | None = None


class CommentCategory(CallbackData, prefix="cct"):
    """Who the commenter is (cán bộ, đảng viên…); None: skipped."""

    category: AuthorCategory | None = None


class CommentPlace(CallbackData, prefix="cpl"):
    """The ward the commenter lives in; 0: not known (the campaign's own unit)."""

    unit_id: OptionalId = 0


class WithdrawComment(CallbackData, prefix="wd"):
    comment_id: RowId
    confirmed: bool = False


class KeepComment(CallbackData, prefix="wk"):
    """«No» to withdrawing a comment."""

    comment_id: RowId


class CommentsView(CallbackData, prefix="cv"):
    """An official's list of comments: a campaign, narrowed to a document or section."""

    campaign_id: RowId
    document_id: OptionalId = 0
    section_id: OptionalId = 0


class CommentAction(StrEnum):
    REPLY = "reply"
    HIDE = "hide"
    SPAM = "spam"
    PHOTOS = "photos"


class ModerateComment(CallbackData, prefix="mc"):
    """An official's button under a comment: answer it, hide it, mark it as spam, or see
    its photos."""

    comment_id: RowId
    action: CommentAction


class ExportComments(CallbackData, prefix="ce"):
    campaign_id: RowId
    fmt: Annotated[str, Field(pattern=r"^(csv|xlsx)$")]


class ReportQr(CallbackData, prefix="rq"):
    """The poster that takes secretaries straight to their weekly report."""

    campaign_id: RowId


class ExportReport(CallbackData, prefix="er"):
    """The consolidated report of an official's unit: a week (a period) or the whole campaign
    (``period_id`` 0); no format yet means "ask which"."""

    unit_id: RowId
    campaign_id: RowId
    period_id: OptionalId = 0
    fmt: Annotated[str, Field(pattern=r"^(|docx|xlsx|csv)$")] = ""


class LetterPart(StrEnum):
    """A part of a unit's letterhead an official may change in chat (``/letterhead``)."""

    ISSUER = "issuer"
    SIGN = "sign"
    PLACE = "place"
    RECIPIENTS = "recipients"
    SIGNER = "signer"
    EMAIL = "email"


class EditLetterhead(CallbackData, prefix="lh"):
    unit_id: RowId
    part: LetterPart


class RecordStep(StrEnum):
    MEDIUM = "medium"
    DONE = "done"  # the pages and summary are all in
    STANCE = "stance"
    CATEGORY = "category"
    NO_NAME = "noname"
    SAVE = "save"
    CANCEL = "cancel"


class RecordNav(CallbackData, prefix="rn"):
    """A button of an official's recorded comment (a letter, a meeting's remarks, an e-mail);
    ``value`` is the medium, stance or category chosen ("" for none: «Not known», «Skip»)."""

    step: RecordStep
    value: Annotated[str, Field(pattern=r"^[a-z_]{0,16}$")] = ""
