"""The unit page's words: the unit's facts as the template shows them, in the page's
language. Answers read as the chat shows them (``handlers.texts.value_text``), times as its
letters state them (``handlers.format.moment``), lateness by ``storage.reports.is_late``.

Called inside the page's language (``DeskCall.render`` calls the context there); plain
strings out, escaped by the template, but for the chat's own escaped author line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from markupsafe import Markup

from bot.web.desk import paths
from bot.web.desk.guard import Desk
from bot.web.desk.unit_facts import CampaignReports, UnitFacts
from handlers.comment_texts import about, author_line, official_label
from handlers.count_texts import stance_label
from handlers.format import moment, status_label
from handlers.signing_texts import period_line
from handlers.texts import value_text
from storage.comments import CommentView
from storage.forms import FieldSpec, FormSpec
from storage.invite_rules import revoke_refusal
from storage.invites import InviteState, invite_state
from storage.models import Invite, InviteMode, Person, Role, RoleKind, UnitLevel
from storage.report_revisions import ReportRecord, Revision
from storage.reports import is_late
from storage.signed import SignedValues

COMMENT_PREVIEW = 300
# The newest invites listed; the rest are in ``gopy invite list`` (a batch is at most 50).
INVITES_SHOWN = 100


def level_label(level: UnitLevel) -> str:
    return {
        UnitLevel.PROVINCE: _("level:province"),
        UnitLevel.CITY: _("level:city"),
        UnitLevel.DISTRICT: _("level:district"),
        UnitLevel.WARD: _("level:ward"),
        UnitLevel.CELL: _("level:cell"),
    }[level]


def role_label(role: RoleKind) -> str:
    return {RoleKind.SECRETARY: _("role:secretary"), RoleKind.OFFICIAL: _("role:official")}[role]


def channel_label(channel: str) -> str:
    known = {
        "telegram": "Telegram",
        "zalo": "Zalo",
        "desk": _("the desk only"),
        "local": _("the simulator"),
    }
    return known.get(channel, channel)


def invite_state_label(state: InviteState) -> str:
    return {
        InviteState.OPEN: _("valid, unused"),
        InviteState.USED: _("used"),
        InviteState.EXPIRED: _("expired or revoked"),
    }[state]


def mode_label(mode: InviteMode) -> str:
    return {InviteMode.ADD: _("joins"), InviteMode.REPLACE: _("replaces")}[mode]


@dataclass(frozen=True, slots=True)
class Answer:
    label: str
    value: str
    changed: bool  # differs from the revision before


def answers(
    form: FormSpec, values: dict[str, Any], before: dict[str, Any] | None, locale: str
) -> list[Answer]:
    """A revision's answers in the form's order, then any the form no longer asks (a form
    replaced since), by their key."""
    specs: list[FieldSpec] = list(form.fields)
    asked = {spec.key for spec in specs}
    shown = [
        Answer(
            spec.text("label", locale),
            _value(spec, values.get(spec.key), locale),
            before is not None and before.get(spec.key) != values.get(spec.key),
        )
        for spec in specs
    ]
    for key in sorted(set(values) - asked):
        value = values[key]
        text = "—" if value in (None, "", []) else str(value)
        changed = before is not None and before.get(key) != value
        shown.append(Answer(key, text, changed))
    return shown


def _value(spec: FieldSpec, value: Any, locale: str) -> str:
    """``value_text``, or the stored value as it is when it does not fit the field (a form
    replaced since with a count where a text was): the record is shown, never a 500."""
    try:
        return value_text(spec, value, locale)
    except (TypeError, ValueError):
        return str(value)


def _readable(values: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A revision's answers as the level above reads them, and what a signed one says of
    the units below (None for a cell's plain answers)."""
    signed = SignedValues.load(values)
    if signed is None:
        return values, None
    filed = signed.on_time + signed.late
    note = _("Units below: {filed}/{expected} reported ({on_time} on time, {late} late).").format(
        filed=filed, expected=signed.expected, on_time=signed.on_time, late=signed.late
    )
    return signed.as_answers(), note


def revision_views(record: ReportRecord, form: FormSpec, locale: str) -> list[dict[str, Any]]:
    tz = record.campaign.timezone
    oldest_first = list(reversed(record.revisions))
    views: list[dict[str, Any]] = []
    before: dict[str, Any] | None = None
    for entry in oldest_first:
        values, note = _readable(dict(entry.revision.values))
        views.append(_revision(entry, record, form, values, before, note, locale, tz))
        before = values
    return list(reversed(views))


def _revision(
    entry: Revision,
    record: ReportRecord,
    form: FormSpec,
    values: dict[str, Any],
    before: dict[str, Any] | None,
    note: str | None,
    locale: str,
    tz: str,
) -> dict[str, Any]:
    revision = entry.revision
    late = is_late(revision.submitted_at, record.period)
    return {
        "number": revision.number,
        "when": moment(revision.submitted_at, tz),
        "who": entry.filed_by.full_name or _("(no name)"),
        "channel": channel_label(revision.channel or entry.filed_by.channel),
        "late": late,
        "answers": answers(form, values, before, locale),
        "note": note,
    }


def report_view(record: ReportRecord, form: FormSpec, locale: str) -> dict[str, Any]:
    tz = record.campaign.timezone
    report = record.report
    return {
        "period": period_line(record.period, tz),
        "receipt": report.receipt,
        "late": not report.on_time,
        "status": status_label("on_time" if report.on_time else "late"),
        "first": moment(report.first_submitted_at, tz),
        "revisions": revision_views(record, form, locale),
    }


def campaign_view(item: CampaignReports, locale: str) -> dict[str, Any]:
    return {
        "title": item.campaign.title,
        "code": item.campaign.code,
        "reports": [report_view(record, item.form, locale) for record in item.records],
    }


def person_view(person: Person, role: Role, tz: str) -> dict[str, Any]:
    blocked = person.unreachable_since
    return {
        "name": person.full_name or _("(no name)"),
        "role": role_label(role.kind),
        "channel": channel_label(person.channel),
        "joined": moment(role.granted_at, tz),
        "blocked": moment(blocked, tz) if blocked is not None else None,
    }


def invite_view(
    desk: Desk,
    invite: Invite,
    used_by: Person | None,
    now: datetime,
    tz: str,
    *,
    revocable: bool,
) -> dict[str, Any]:
    """An invite as listed; ``revocable``: the official may revoke it (``revoke_refusal``)."""
    assert invite.id is not None
    state = invite_state(invite, now)
    return {
        "id": invite.id,
        "role": role_label(invite.role),
        "mode": mode_label(invite.mode),
        "created": moment(invite.created_at, tz),
        "expires": moment(invite.expires_at, tz),
        "state": invite_state_label(state),
        "revocable": state is InviteState.OPEN and revocable,
        "used_by": used_by.full_name if used_by is not None else None,
        "used_at": moment(invite.used_at, tz) if invite.used_at is not None else None,
        "revoke": desk.href(paths.invite_revoke_path(invite.id)),
    }


def comment_view(desk: Desk, view: CommentView) -> dict[str, Any]:
    comment = view.comment
    text = comment.text
    return {
        "receipt": comment.receipt,
        "href": desk.href(paths.comment_path(comment.receipt)),
        "when": moment(comment.created_at, view.campaign.timezone),
        # The chat's line for officials, escaped there: a name and phone, or «anonymous».
        "author": Markup(author_line(view)),  # noqa: S704
        "about": about(view.document, view.section, view.campaign.title),
        "text": text if len(text) <= COMMENT_PREVIEW else text[:COMMENT_PREVIEW] + "…",
        "stance": stance_label(comment.stance),
        "photos": view.photos,
        "status": official_label(view),
    }


def revoked_note(was: str, number: str) -> str | None:
    """What revoking invite ``number`` did, from the redirect's query (None: nothing to say,
    or a query that is not ours)."""
    try:
        state = InviteState(was)
    except ValueError:
        return None
    if not number.isascii() or not number.isdigit() or len(number) > 10:
        return None
    return {
        InviteState.OPEN: _("Invite {number} is revoked: its code no longer works."),
        InviteState.USED: _("Invite {number} was already used; nothing to revoke."),
        InviteState.EXPIRED: _("Invite {number} had already expired or been revoked."),
    }[state].format(number=number)


def unit_context(
    desk: Desk, facts: UnitFacts, *, now: datetime, tz: str, default_days: int
) -> dict[str, Any]:
    """Everything ``desk/unit.html`` shows."""
    locale = get_i18n().current_locale
    reached = facts.reached
    unit = reached.unit
    assert unit.id is not None
    crumbs = [
        {
            "name": above.name,
            "href": desk.href(paths.unit_path(above.id))
            if above.id is not None and reached.reaches_parent(index)
            else None,
        }
        for index, above in reversed(list(enumerate(reached.above)))
    ]
    roles = sorted({role for role, _mode in facts.choices}, key=list(RoleKind).index)
    modes = sorted({mode for _role, mode in facts.choices}, key=list(InviteMode).index)
    return {
        "unit": {
            "id": unit.id,
            "name": unit.name,
            "code": unit.code,
            "level": level_label(unit.level),
        },
        "crumbs": crumbs,
        "children": [
            {
                "name": child.name,
                "code": child.code,
                "href": desk.href(paths.unit_path(child.id)),
            }
            for child in facts.children
            if child.id is not None
        ],
        "people": [person_view(person, role, tz) for person, role in facts.people],
        "invites": [
            invite_view(
                desk,
                invite,
                used_by,
                now,
                tz,
                revocable=revoke_refusal(
                    unit=unit,
                    above=reached.above_ids,
                    mine=reached.mine,
                    role=invite.role,
                    mode=invite.mode,
                )
                is None,
            )
            for invite, used_by in facts.invites[:INVITES_SHOWN]
        ],
        "more_invites": max(0, len(facts.invites) - INVITES_SHOWN),
        "invite_form": {
            "action": desk.href(paths.unit_invites_path(unit.id)),
            "roles": [(role.value, role_label(role)) for role in roles],
            "modes": [mode.value for mode in modes],
            "secretaries": (RoleKind.SECRETARY, InviteMode.ADD) in facts.choices,
            # An official of this unit only: the level above replaces its officials.
            "peers": (RoleKind.OFFICIAL, InviteMode.ADD) in facts.choices
            and (RoleKind.OFFICIAL, InviteMode.REPLACE) not in facts.choices,
            "days": default_days,
        },
        "campaigns": [campaign_view(item, locale) for item in facts.campaigns],
        "comments": [comment_view(desk, view) for view in facts.comments],
        "all_comments": desk.href(paths.COMMENTS, unit=unit.id),
    }
