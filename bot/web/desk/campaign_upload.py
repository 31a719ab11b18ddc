"""Uploading an org or campaign YAML from the desk's campaign page: the importers of
``gopy org import`` and ``gopy campaign import``, within the official's units
(``upload_rules``), in the guard's unit of work.

A problem (the importer's, or the rule's) is a 400 page naming the line, with the uploaded
file's lines around it, and nothing is kept (the guard rolls back a response ≥ 400); success
is a 303 to the campaign page, which shows what was done. That sentence travels in the
address, signed for the session (``flash_of``): nobody can make the desk show someone words
it did not say.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.exc import DataError

from bot.admin_actions import told
from bot.importers.yaml_lines import ImportProblem, parse_yaml
from bot.web.desk import paths
from bot.web.desk.guard import BODY_LIMIT, DeskCall, DeskRoute
from bot.web.desk.upload_rules import import_campaign_within, import_org_within
from bot.web.intake import same_secret
from bot.web.pages import LANGUAGES, language_of
from storage.models import RoleKind

log = logging.getLogger(__name__)

KINDS = ("org", "campaign")
AROUND = 3  # lines shown either side of the one at fault
WIDTH = 160  # characters shown of a line (a binary file's "line" may be the whole file)
_FLASH_MAX = 2000
# Line ends as YAML counts them (PyYAML's reader), so the numbers agree with its marks.
_LINE_END = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def form_context(call: DeskCall, kind: str = "org") -> dict[str, Any]:
    """What the upload form needs (on the campaign page and on a refusal)."""
    return {
        "upload": call.desk.href(paths.CAMPAIGN_UPLOAD),
        "limit_mb": BODY_LIMIT >> 20,
        "kind": kind,
    }


def _signature(call: DeskCall, text: str) -> str | None:
    # The session's form key, over a message no anti-forgery token can be (those sign the
    # session's token alone): valid for this session only.
    try:
        return call.desk.site.key.desk_form_token(f"{call.user.token}\x00flash\x00{text}")
    except UnicodeEncodeError:  # a lone surrogate from a forged address
        return None


def flash_of(call: DeskCall) -> str | None:
    """The sentence an upload redirected with, if this session's desk wrote it."""
    text, mac = call.request.query.get("done", ""), call.request.query.get("mac", "")
    if not text or not mac or len(text) > _FLASH_MAX:
        return None
    expected = _signature(call, text)
    if expected is None or not same_secret(mac, expected):
        return None
    return text


def _done(call: DeskCall, text: str, campaign: int | None = None) -> web.Response:
    return call.redirect(
        paths.CAMPAIGN, campaign=campaign, done=text, mac=_signature(call, text) or ""
    )


def source_name(filename: str, kind: str) -> str:
    """The name to call the file by in messages: the browser's, without any folder, printable
    and short; else ``org.yaml`` / ``campaign.yaml``."""
    base = re.split(r"[\\/]", filename)[-1]
    base = _UNPRINTABLE.sub("", base).strip()[:80]
    return base or f"{kind}.yaml"


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str
    at_fault: bool


def excerpt(data: bytes, line: int | None) -> list[Line]:
    """The uploaded file's lines around ``line`` (1-based), as text a page can show."""
    if line is None:
        return []
    text = data.decode("utf-8-sig", errors="replace")
    lines = _LINE_END.split(text)
    if len(lines) > 1 and not lines[-1] and line < len(lines):
        lines.pop()  # what follows the last line end is no line
    first, last = max(1, line - AROUND), min(len(lines), line + AROUND)
    shown = []
    for number in range(first, last + 1):
        raw = lines[number - 1]
        clipped = raw[:WIDTH] + ("…" if len(raw) > WIDTH else "")
        shown.append(Line(number, _UNPRINTABLE.sub("\ufffd", clipped), number == line))
    return shown


async def upload(call: DeskCall) -> web.StreamResponse:
    kind = call.form.text("kind")
    if kind not in KINDS:
        return call.bad_form(lambda: _("Please say what the file holds: units or a campaign."))
    files = call.form.uploads("file")
    if not files:
        return call.bad_form(lambda: _("Please choose a YAML file to upload."))
    sent = files[0]
    source = source_name(sent.filename, kind)
    pages = call.desk.site.pages
    lang, _chosen = language_of(call.request, pages.default)
    roots = call.member.units(RoleKind.OFFICIAL)
    try:
        # The rule's refusals speak the page's language (the importers' own are in English).
        with pages.speaking(lang):
            # Seconds for a file near the limit, in pure Python: beside the event loop, which
            # goes on serving the chat and every other page meanwhile.
            raw = await asyncio.to_thread(parse_yaml, sent.data, source=source)
            if kind == "org":
                summary = await import_org_within(
                    session=call.session, raw=raw, source=source, roots=roots
                )
                return _done(
                    call,
                    _(
                        "Created {created} units, updated {updated}, left {unchanged} unchanged."
                    ).format(
                        created=summary.created,
                        updated=summary.updated,
                        unchanged=summary.unchanged,
                    ),
                )
            imported = await import_campaign_within(
                session=call.session,
                raw=raw,
                source=source,
                roots=roots,
                now=call.desk.site.clock.now(),
            )
            return _done(call, told(imported, _), imported.campaign.id)
    except ImportProblem as problem:
        return _refused(call, kind, problem, sent.data)
    except DataError:
        # A value the importer let through and the database would not hold: the file's fault,
        # though no line is known. Nothing of the file goes to the log.
        log.warning("a desk %s upload held a value the database refused", kind)
        return _refused(call, kind, ImportProblem("", source=source), b"")


def _refused(call: DeskCall, kind: str, problem: ImportProblem, data: bytes) -> web.Response:
    def context() -> Mapping[str, Any]:
        return {
            "source": problem.source,
            "line": problem.line,
            "message": problem.message or _("A value in the file is longer than gopy keeps."),
            "lines": excerpt(data, problem.line),
            "back": call.desk.href(paths.CAMPAIGN),
            **form_context(call, kind),
        }

    return call.render("desk/campaign_refused.html", context, nav="campaign", status=400)


async def upload_page(call: DeskCall) -> web.StreamResponse:
    """The form lives on the campaign page; a refusal's language toggle (a GET of this
    address) lands there too, in the language asked for."""
    asked = call.request.query.get("lang")
    return call.redirect(paths.CAMPAIGN, lang=asked if asked in LANGUAGES else None)


def routes() -> list[DeskRoute]:
    return [
        DeskRoute("GET", paths.CAMPAIGN_UPLOAD, upload_page),
        DeskRoute("POST", paths.CAMPAIGN_UPLOAD, upload),
    ]
