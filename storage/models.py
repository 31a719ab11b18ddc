"""SQLModel tables: units, people and roles, invites, campaigns and forms, periods, reports,
the QR entry points and citizens' comments, the outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class UnitLevel(StrEnum):
    """Level of a unit in the party hierarchy, highest first: cells report to a ward (or a
    commune), wards to a district or a bloc's party committee or straight to the city, and so
    on up to a province. Which unit reports to which is the org file's ``parent:``; the level
    names the deadline a campaign sets for it."""

    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    WARD = "ward"
    CELL = "cell"


class RoleKind(StrEnum):
    SECRETARY = "secretary"
    OFFICIAL = "official"


class InviteMode(StrEnum):
    """What redeeming an invite does to the unit's current holders of the same role."""

    ADD = "add"
    REPLACE = "replace"


def _enum(enum: type[StrEnum], **kwargs: Any) -> Any:
    """Stored as the member's value in a VARCHAR: new members need no database type change."""
    column = SAEnum(
        enum, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
    )
    return Field(sa_type=column, **kwargs)


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=255)
    level: UnitLevel = _enum(UnitLevel)
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("unit.id"), index=True)
    )
    # The place name printed on letters ("Ngọc Hà, ngày …"); defaults to the name.
    place: str | None = Field(default=None, max_length=128)
    # How the unit writes its letters: issuer lines, number sign, recipients, signer
    # (``storage.letterheads``); None keeps the defaults.
    letterhead: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Where the unit's signed reports go by e-mail: the office of the level it reports to.
    report_email: str | None = Field(default=None, max_length=255)


class Person(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    full_name: str = Field(default="", max_length=255)
    locale: str | None = Field(default=None, max_length=8)
    created_at: datetime = _ts()
    # Set when the messenger refused delivery (the person blocked the bot); cleared when they
    # write again. Reminders skip them and escalations say so.
    unreachable_since: datetime | None = _ts(nullable=True)


class Role(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "unit_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    kind: RoleKind = _enum(RoleKind)
    active: bool = True
    granted_at: datetime = _ts()
    invite_id: int | None = Field(default=None, foreign_key="invite.id")


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # HMAC of the normalised code with the server secret (storage.keys): a leaked database
    # neither holds usable invites nor lets anyone test guesses offline.
    code_hash: str = Field(max_length=64, unique=True)
    # Made before migration 0007: ``code_hash`` is the plain sha256, accepted until it expires.
    legacy: bool = False
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: RoleKind = _enum(RoleKind)
    mode: InviteMode = _enum(InviteMode, default=InviteMode.ADD)
    created_at: datetime = _ts()
    expires_at: datetime = _ts()
    used_at: datetime | None = _ts(nullable=True)
    used_by_id: int | None = Field(default=None, foreign_key="person.id")


class InviteAttempt(SQLModel, table=True):
    """A wrong invite code someone typed: too many in an hour and they must wait."""

    __tablename__ = "invite_attempt"
    __table_args__ = (Index("ix_invite_attempt_recent", "person_id", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    attempted_at: datetime = _ts()


class ReportForm(SQLModel, table=True):
    """A report form is data: a list of field specs (see ``storage.forms.FieldSpec``)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    fields: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    title: str = Field(max_length=255)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    form_id: int = Field(foreign_key="reportform.id")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=64)
    starts_at: datetime = _ts()
    ends_at: datetime = _ts()
    # Overrides of the process-wide settings: "21:00-07:00" (or "off"), "24h,2h".
    quiet_hours: str | None = Field(default=None, max_length=16)
    reminders: str | None = Field(default=None, max_length=64)


class Deadline(SQLModel, table=True):
    """Weekly deadline of one level of a campaign: units of ``level`` report by weekday/time."""

    __table_args__ = (UniqueConstraint("campaign_id", "level"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    level: UnitLevel = _enum(UnitLevel)
    weekday: int = Field(ge=0, le=6)  # Monday is 0, as in datetime.weekday()
    time: str = Field(max_length=5)  # "HH:MM", local to the campaign's time zone
    # The level's own questions when its units sign a report (None: the campaign's form),
    # with the assessment questions after them.
    form_id: int | None = Field(default=None, foreign_key="reportform.id")
    # When the level's final summary report («Báo cáo tổng kết») is due; None: none asked.
    final_due: datetime | None = _ts(nullable=True)


class Document(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    code: str = Field(max_length=64)
    title: str = Field(max_length=255)
    url: str | None = Field(default=None, max_length=1024)
    position: int = 0


class Section(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: str = Field(max_length=16)
    heading: str = Field(max_length=255)
    summary: str = Field(default="", max_length=1024)
    # The section's own words, when the campaign gives them: the landing page shows them.
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    position: int = 0


class DocumentFile(SQLModel, table=True):
    """The full text of a draft as the campaign published it (PDF or DOCX), kept in the
    database so that every process serves the same bytes; ``sha256`` names the version."""

    __tablename__ = "document_file"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", unique=True)
    name: str = Field(max_length=255)
    content_type: str = Field(max_length=128)
    sha256: str = Field(max_length=64)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    stored_at: datetime = _ts()


class Period(SQLModel, table=True):
    """The reporting week of one level of a campaign, ending at its deadline; or, ``final``,
    the whole campaign, ending at the level's final report's due date."""

    __table_args__ = (
        UniqueConstraint(
            "campaign_id", "level", "final", "deadline_at", name="uq_period_campaign_level_final"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    level: UnitLevel = _enum(UnitLevel)
    starts_at: datetime = _ts()
    deadline_at: datetime = _ts()
    final: bool = False


class Report(SQLModel, table=True):
    """One unit's report for one period. Its values live in its revisions; none is overwritten."""

    __table_args__ = (UniqueConstraint("period_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    receipt: str = Field(max_length=16, unique=True)
    first_submitted_at: datetime = _ts()
    last_submitted_at: datetime = _ts()
    on_time: bool
    revisions: int = 1


class ReportRevision(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    number: int
    values: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    submitted_by_id: int = Field(foreign_key="person.id")
    submitted_at: datetime = _ts()
    # True when this revision arrived after the period's deadline (a flagged late revision).
    late: bool = False
    channel: str = Field(default="", max_length=16)


class SignedFile(SQLModel, table=True):
    """A file of a signed report (the DOCX letter, the XLSX workbook, the CSV table), made once
    when it was signed: what the unit signed is what is sent and downloaded later, byte for
    byte, whatever changes afterwards (names, members, the letterhead)."""

    __tablename__ = "signed_file"
    __table_args__ = (UniqueConstraint("revision_id", "format"),)

    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="reportrevision.id", index=True)
    format: str = Field(max_length=8)  # "docx", "xlsx", "csv"
    filename: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)


class ProcessedUpdate(SQLModel, table=True):
    """Incoming updates already handled; Telegram re-delivers after a slow or failed webhook."""

    __tablename__ = "processed_update"
    __table_args__ = (Index("ix_processed_update_received", "received_at"),)

    channel: str = Field(max_length=16, primary_key=True)
    update_key: str = Field(max_length=64, primary_key=True)
    received_at: datetime = _ts()


class FsmRecord(SQLModel, table=True):
    """aiogram FSM state and data of one chat/user key, so a half-filled form survives restarts."""

    __tablename__ = "fsm_state"

    key: str = Field(max_length=255, primary_key=True)
    state: str | None = Field(default=None, max_length=255)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _ts()


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up: blocked, refused, or out of attempts (see ``last_error``)
    SKIPPED = "skipped"  # no longer useful: the cell filed, or the deadline passed


class Purpose(StrEnum):
    REMINDER = "reminder"
    MANUAL = "manual"  # a reminder an official asked for with /remind
    ESCALATION = "escalation"
    DIGEST = "digest"
    FINAL = "final"
    REPLY = "reply"  # an official's answer to a citizen's comment
    LATE_FILING = "late_filing"  # a child filed after its parent unit signed
    DEFERRED = "deferred"  # a direct reply past the platform's limit (bot.throttle)


class Outbox(SQLModel, table=True):
    """A message to send, written by a sweep and drained by the delivery loop.

    ``key`` names (purpose, period, recipient): a sweep that runs twice, or two processes that
    run it at once, queue the message once.
    """

    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    purpose: Purpose = _enum(Purpose)
    person_id: int = Field(foreign_key="person.id", index=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    text: str
    markup: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # What makes a reminder pointless once it is filed: the unit and the period.
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    period_id: int | None = Field(default=None, foreign_key="period.id")
    created_at: datetime = _ts()
    not_before: datetime = _ts()
    expires_at: datetime | None = _ts(nullable=True)
    # The sender's quiet hours ("21:00-07:00") in ``timezone``: checked again when sending, for a
    # retry or a long queue can run into the night.
    quiet_hours: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    status: OutboxStatus = _enum(OutboxStatus, default=OutboxStatus.PENDING)
    attempts: int = 0
    # A sender holds a row while the message is on its way; a crash leaves the lease to expire.
    lease_until: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)
    last_error: str | None = Field(default=None, max_length=255)


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused by the server, or out of attempts (see ``last_error``)


class MailOutbox(SQLModel, table=True):
    """An e-mail to send (a signed report to the office above), drained by the mail sender.

    ``key`` names what it carries (the report revision and the address): signing, a retry or
    two processes queue it once; the sender's lease keeps it from going twice.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    to_address: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    body: str
    attachment_name: str | None = Field(default=None, max_length=255)
    attachment: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    revision_id: int | None = Field(default=None, foreign_key="reportrevision.id")
    created_at: datetime = _ts()
    not_before: datetime = _ts()
    status: MailStatus = _enum(MailStatus, default=MailStatus.PENDING)
    attempts: int = 0
    lease_until: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)
    # The Message-ID it was sent with: a retry after a lost answer sends the same one.
    message_id: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, max_length=255)


class SweepRun(SQLModel, table=True):
    """A scheduled sweep that has run (or was skipped as pointless): it never runs again."""

    __tablename__ = "sweep_run"

    key: str = Field(max_length=160, primary_key=True)
    ran_at: datetime = _ts()
    queued: int = 0
    skipped: bool = False


class EntryKind(StrEnum):
    """Where a QR code (or the short code printed under it) takes the person who scans it."""

    COMMENT = "comment"  # comment on a campaign, one of its documents, or one section


class EntryPoint(SQLModel, table=True):
    """An opaque code behind a QR: ``?start=gy-<code>`` or ``GY-<code>`` typed by hand.

    ``target`` spells the campaign, document and section ("c3.d7.s21") so that one target has
    one code (a unique key over nullable columns would not dedupe NULLs).
    """

    __tablename__ = "entry_point"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    target: str = Field(max_length=64, unique=True)
    kind: EntryKind = _enum(EntryKind, default=EntryKind.COMMENT)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    section_id: int | None = Field(default=None, foreign_key="section.id")
    # The unit that printed the poster: its comments count for it and roll up. None: a
    # campaign-wide code (television, a newspaper), which asks the person where they live.
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    created_at: datetime = _ts()


class CommentStatus(StrEnum):
    RECEIVED = "received"
    WITHDRAWN = "withdrawn"  # by its author, while the campaign was open
    HIDDEN = "hidden"  # by an official: kept, left out of reports
    SPAM = "spam"  # by an official: kept, left out of reports and counts


class Stance(StrEnum):
    """The commenter's stance on the text, as the national VNeID form offers it."""

    AGREE = "agree"  # Tán thành
    DISAGREE = "disagree"  # Không tán thành
    PARTLY = "partly"  # Đồng ý một phần


class AuthorCategory(StrEnum):
    """Who the commenter is, as the provinces' letters count them separately."""

    CADRE = "cadre"  # cán bộ
    PARTY_MEMBER = "party_member"  # đảng viên
    CIVIL_SERVANT = "civil_servant"  # công chức, viên chức
    WORKER = "worker"  # người lao động
    CITIZEN = "citizen"  # nhân dân


class CommentMedium(StrEnum):
    """How the comment reached the unit: typed by the citizen, or entered by an official."""

    CHAT = "chat"  # the citizen, in Telegram, Zalo or the simulator
    WEB = "web"  # the citizen, on the web form
    LETTER = "letter"  # thư tay: a paper letter
    MEETING = "meeting"  # hội nghị, tọa đàm
    EMAIL = "email"
    MAILBOX = "mailbox"  # hòm thư góp ý


class ThemeOrigin(StrEnum):
    AUTO = "auto"  # found by grouping the comments
    DEFINED = "defined"  # named by an official (label, keywords, examples)


class CommentTheme(SQLModel, table=True):
    """A group of opinions («nhóm ý kiến») among the comments on one document and section.

    Automatic themes are re-found as comments arrive; what an official did to them (a name,
    a merge, a comment moved by hand) is kept: ``renamed`` keeps the label, a merged theme
    points at the one it went into, and ``Comment.theme_pinned`` keeps a moved comment.
    """

    __tablename__ = "comment_theme"
    __table_args__ = (Index("ix_comment_theme_scope", "campaign_id", "document_id", "section_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    document_id: int | None = Field(default=None, foreign_key="document.id")
    section_id: int | None = Field(default=None, foreign_key="section.id")
    label: str = Field(max_length=255)
    renamed: bool = False  # the label is an official's: re-grouping keeps it
    origin: ThemeOrigin = _enum(ThemeOrigin, default=ThemeOrigin.AUTO)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    examples: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    merged_into_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("comment_theme.id"), nullable=True)
    )
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Comment(SQLModel, table=True):
    """A citizen's comment on a draft. Anonymous ones keep neither name nor phone, nor a link
    to the person: ``person_id`` is NULL and ``author_key`` (a keyed hash of the campaign and
    the person, ``storage.keys``) is what the rate limit, duplicates, withdrawal and
    /mycomments go by. Named comments keep ``person_id`` (and no ``author_key``, which would
    tie the person to their anonymous comments of the same campaign).
    """

    __table_args__ = (
        Index("ix_comment_author_recent", "person_id", "created_at"),
        Index("ix_comment_author_key", "author_key", "created_at"),
        # The web form's limit per phone number (named comments keep the number).
        Index("ix_comment_phone", "phone", "created_at"),
        # Covers a report's counts per document and section over a week, read from the index
        # alone: a million comments must not be read row by row.
        Index(
            "ix_comment_campaign_week",
            "campaign_id",
            "created_at",
            "status",
            "document_id",
            "section_id",
        ),
        # Counts per unit (a ward's comments, a city's roll-up) by stance, category and
        # medium over a week, read from the index alone: the heap of a million comments is
        # ten times the index (bench: 8 s → under a second for a city's roll-up).
        Index(
            "ix_comment_unit_week",
            "campaign_id",
            "unit_id",
            "created_at",
            "status",
            "medium",
            "stance",
            "category",
        ),
        # Counts per document and section over the whole campaign, from the index alone.
        Index(
            "ix_comment_target",
            "campaign_id",
            "document_id",
            "section_id",
            "status",
            "created_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    receipt: str = Field(max_length=16, unique=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    section_id: int | None = Field(default=None, foreign_key="section.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    author_key: str | None = Field(default=None, max_length=64)
    text: str = ""
    anonymous: bool = True
    author_name: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=16)
    channel: str = Field(default="", max_length=16)
    # sha256 of the folded text and attachments: the same comment sent twice is stored once.
    fingerprint: str = Field(max_length=64)
    created_at: datetime = _ts()
    status: CommentStatus = _enum(CommentStatus, default=CommentStatus.RECEIVED)
    status_changed_at: datetime | None = _ts(nullable=True)
    status_changed_by_id: int | None = Field(default=None, foreign_key="person.id")
    replied_at: datetime | None = _ts(nullable=True)
    # Where it counts: the unit of the poster, the ward the person chose, the unit of the
    # official who entered it; the campaign's own unit when the place is not known.
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    stance: Stance | None = _enum(Stance, default=None, nullable=True)
    category: AuthorCategory | None = _enum(AuthorCategory, default=None, nullable=True)
    medium: CommentMedium = _enum(CommentMedium, default=CommentMedium.CHAT)
    # The official who recorded a letter, a meeting's remarks or an imported row.
    entered_by_id: int | None = Field(default=None, foreign_key="person.id")
    theme_id: int | None = Field(default=None, foreign_key="comment_theme.id", index=True)
    # Moved to its theme by an official: re-grouping leaves it there.
    theme_pinned: bool = False
    # The text folded for search (``storage.places.fold``: no accents, case or punctuation),
    # so «Thu do» finds «Thủ đô». On PostgreSQL a GIN index over its words (migration 0011).
    search_text: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})


class CommentAttachment(SQLModel, table=True):
    """A photo (of a handwritten letter, say) or a voice note sent with a comment."""

    __tablename__ = "comment_attachment"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    kind: str = Field(max_length=16)  # "photo", "voice", "document"
    file_id: str = Field(max_length=255)
    file_unique_id: str = Field(max_length=64)
    # Where the copy in GOPY_COMMENTS_MEDIA_DIR is, relative to it; None if not kept.
    media_path: str | None = Field(default=None, max_length=255)
    position: int = 0


class AttachmentBlob(SQLModel, table=True):
    """The bytes of a photo sent with a web comment: the messengers keep chat photos (by
    ``file_id``), nobody keeps a browser's, so gopy does."""

    __tablename__ = "attachment_blob"

    attachment_id: int = Field(foreign_key="comment_attachment.id", primary_key=True)
    content_type: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class WebAttempt(SQLModel, table=True):
    """A comment sent from the web form, by a keyed hash of the sender's IP address only: the
    per-address limit counts these, and rows older than a day are deleted. No comment is
    linked to its address."""

    __tablename__ = "web_attempt"
    __table_args__ = (Index("ix_web_attempt_key_at", "source_key", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source_key: str = Field(max_length=64)
    attempted_at: datetime = _ts()


class CommentReply(SQLModel, table=True):
    """An official's answer to a comment; it reaches the author through the outbox."""

    __tablename__ = "comment_reply"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    unit_id: int = Field(foreign_key="unit.id")
    text: str
    created_at: datetime = _ts()


class ChannelId(SQLModel, table=True):
    """A messenger's own id (Zalo's 80-bit hex strings) and the integer gopy and aiogram use.

    aiogram's ``User.id`` and ``Chat.id`` are integers, and a Zalo id does not fit in a BIGINT;
    the row id is the integer. Kept forever: the integer is someone's ``Person.external_id``.
    """

    __tablename__ = "channel_id"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    created_at: datetime = _ts()


class ChannelMenu(SQLModel, table=True):
    """The live numbered menu of a chat on a messenger without buttons (Zalo): the bot's latest
    message with choices, so that a typed "2" is that message's second button, after a restart
    too and whichever process (the bot, ``gopy scheduler``) sent it."""

    __tablename__ = "channel_menu"

    channel: str = Field(max_length=16, primary_key=True)
    chat_id: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    # The bot's message as aiogram's ``Message`` JSON: the callback's ``message``.
    message: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    text: str
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    shown_at: datetime = _ts()


class DeskLink(SQLModel, table=True):
    """A single-use link to the officials' web desk, sent in chat (``/web``) or printed by
    ``gopy web-link``. Only a keyed hash of its token is kept (``ServerKey.desk_hash``)."""

    __tablename__ = "desk_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = _ts()
    expires_at: datetime = _ts()
    used_at: datetime | None = _ts(nullable=True)


class DeskSession(SQLModel, table=True):
    """A browser signed in to the desk: its cookie holds the token, the row its keyed hash.
    It ends on «Đăng xuất», or after ``storage.desk_access.IDLE`` without a request."""

    __tablename__ = "desk_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = _ts()
    seen_at: datetime = _ts()
    ended_at: datetime | None = _ts(nullable=True)
