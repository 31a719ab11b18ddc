"""The desk's posters: documents and sections × units, one PDF with a poster a page, exactly the
posters ``/qr`` and ``gopy qr`` make (``bot.files``, ``bot.poster_links``).

Three steps, so that nothing is written by a GET and no writer waits on a long PDF:
the form (``GET /desk/posters``, a GET form: the choice is an address to keep), what will
print with its button (``GET /desk/posters/print``), the button making the entry codes
(``POST``, quick, in the writer's unit of work) and sending the browser to the PDF
(``GET /desk/posters/pdf``), which only reads the codes and is drawn off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.files import PosterSheet
from bot.report_files import level_noun
from bot.web.desk import paths
from bot.web.desk.attachment import attachment
from bot.web.desk.guard import DeskCall, DeskRoute
from bot.web.desk.poster_choice import BadChoice, Choice, choice_from_text, has_choice, read_choice
from handlers.comment_texts import section_name, target_name
from handlers.files import Reach
from storage.campaigns import documents_of
from storage.drafts import files_of
from storage.entries import Target, entries_for, entries_made, entry_key
from storage.models import Campaign, Document, EntryPoint, Section, Unit, UnitLevel
from storage.posters import PosterReach, poster_reach, printable_campaigns

# Posters in one file: a ward's cells × a few sections. Past it, a second file.
MAX_POSTERS = 300
# Units listed one by one on the form; below that depth they are chosen by level.
UNITS_LISTED = 400
CAMPAIGNS = 20


@dataclass(frozen=True, slots=True)
class Page:
    """One poster of the document: what it is about (None: the quick report) and whose code
    it is (None: campaign-wide)."""

    target: Target | None
    owner: Unit | None
    footer: str


@dataclass(frozen=True, slots=True)
class Plan:
    campaign: Campaign
    reach: PosterReach
    choice: Choice
    targets: list[Target]
    owners: list[Unit | None]
    pages: list[Page]


async def posters(call: DeskCall) -> web.StreamResponse:
    """The campaigns to print for, then the form of the one chosen."""
    session, member = call.session, call.member
    campaigns = await printable_campaigns(session=session, member=member, limit=CAMPAIGNS)
    query = call.request.query
    if "campaign" not in query:
        if len(campaigns) != 1:
            return call.render(
                "desk/posters.html",
                {"campaigns": campaigns, "campaign": None},
                nav="posters",
            )
        assert campaigns[0].id is not None
        return call.redirect(paths.POSTERS, campaign=campaigns[0].id)
    try:
        choice = read_choice(query)
    except BadChoice:
        return _bad(call)
    plan = await _plan(call, session, choice, complete=False)
    if isinstance(plan, web.Response):
        return plan
    documents = await documents_of(session=session, campaign=plan.campaign)
    return call.render(
        "desk/posters.html",
        lambda: _form(plan, documents, campaigns, ticked=has_choice(query)),
        nav="posters",
    )


async def print_page(call: DeskCall) -> web.StreamResponse:
    """What will print, and the button that makes the codes."""
    try:
        choice = read_choice(call.request.query)
    except BadChoice:
        return _bad(call)
    plan = await _plan(call, call.session, choice)
    if isinstance(plan, web.Response):
        return plan

    def context() -> dict[str, object]:
        owners = [
            _("Campaign-wide code") if owner is None else owner.name for owner in plan.owners
        ]
        return {
            "campaign": plan.campaign,
            "count": len(plan.pages),
            "size": plan.choice.size.upper(),
            "targets": [target_name(t) for t in plan.targets],
            "owners": owners,
            "report": plan.choice.report,
            "choice": plan.choice.query(),
            "change": f"{call.desk.href(paths.POSTERS)}?{plan.choice.query()}",
        }

    return call.render("desk/posters_print.html", context, nav="posters")


async def make_codes(call: DeskCall) -> web.StreamResponse:
    """The entry codes of the choice, made once (``/qr`` makes them on first use too), then
    the PDF."""
    try:
        choice = choice_from_text(call.form.text("choice"))
    except BadChoice:
        return _bad(call)
    plan = await _plan(call, call.session, choice)
    if isinstance(plan, web.Response):
        return plan
    wanted = [(target, owner) for owner in plan.owners for target in plan.targets]
    await entries_for(session=call.session, posters=wanted, now=call.desk.site.clock.now())
    return _see(call, paths.POSTERS_PDF, choice)


async def pdf(call: DeskCall) -> web.StreamResponse:
    """The document: every poster of the choice, a page each, from the codes made."""
    try:
        choice = read_choice(call.request.query)
    except BadChoice:
        return _bad(call)
    plan = await _plan(call, call.session, choice)
    if isinstance(plan, web.Response):
        return plan
    keys = {entry_key(page.target, page.owner) for page in plan.pages if page.target}
    made = await entries_made(session=call.session, keys=list(keys))
    if len(made) < len(keys):
        # An address typed or kept from before a section was added: its button makes them.
        return _see(call, paths.POSTERS_PRINT, choice)
    documents = [t.document.id for t in plan.targets if t.document and t.document.id]
    hosted = set(await files_of(session=call.session, document_ids=documents))
    site, files = call.desk.site, call.desk.files
    reach = Reach(telegram=await site.telegram_username())
    # A poster is for citizens: in the campaign's language, whatever the desk is read in.
    with site.pages.speaking(site.pages.default):
        sheets = [_sheet(call, page, made, hosted, reach) for page in plan.pages]
    data = await asyncio.to_thread(files.posters_pdf, sheets, size=choice.size)
    name = f"ap-phich-{plan.campaign.code}-{choice.size}.pdf"
    return attachment(data, filename=name, fmt="pdf")


def _sheet(
    call: DeskCall, page: Page, made: Mapping[str, EntryPoint], hosted: set[int], reach: Reach
) -> PosterSheet:
    files = call.desk.files
    if page.target is None:
        return files.report_sheet(reach=reach, footer=page.footer)
    entry = made[entry_key(page.target, page.owner)]
    document = page.target.document
    return files.comment_sheet(
        target=page.target,
        code=entry.code,
        reach=reach,
        hosted_draft=document is not None and document.id in hosted,
        footer=page.footer,
    )


async def _plan(
    call: DeskCall, session: AsyncSession, choice: Choice, *, complete: bool = True
) -> Plan | web.Response:
    """The posters of ``choice``: 404 for a campaign or unit that is not the official's, 400
    for what the form cannot send, or (``complete``) for nothing chosen or too much."""
    campaign = await session.get(Campaign, choice.campaign_id)
    reach = (
        await poster_reach(session=session, member=call.member, campaign=campaign)
        if campaign is not None
        else None
    )
    if campaign is None or reach is None:
        return call.not_found()
    documents = await documents_of(session=session, campaign=campaign)
    targets = _targets(campaign, documents, choice)
    if targets is None:
        return _bad(call)
    owners = _owners(reach, choice)
    if owners is None:
        return call.not_found()
    pages = [Page(t, o, _footer(reach, o)) for o in owners for t in targets]
    if choice.report:
        pages.append(Page(None, None, reach.printer.unit.name))
    plan = Plan(campaign, reach, choice, targets, owners, pages)
    if not complete:
        return plan
    if not pages:
        return call.bad_form(
            lambda: _(
                "Please choose what the posters are about (a document, a section or the "
                "consultation as a whole) and whose codes they carry."
            )
        )
    if len(pages) > MAX_POSTERS:
        count = len(pages)
        return call.bad_form(
            lambda: _(
                "That is {count} posters; one file holds at most {limit}. Please choose fewer "
                "units or sections, and print the rest in a second file."
            ).format(count=count, limit=MAX_POSTERS)
        )
    return plan


def _targets(
    campaign: Campaign, documents: Sequence[tuple[Document, list[Section]]], choice: Choice
) -> list[Target] | None:
    """The chosen targets in the campaign's order; None if one is not the campaign's."""
    known_documents = {d.id for d, _s in documents}
    known_sections = {s.id for _d, sections in documents for s in sections}
    if not set(choice.ids("d")) | set(choice.ids("a")) <= known_documents:
        return None
    if not set(choice.ids("s")) <= known_sections:
        return None
    found = [Target(campaign)] if "c" in choice.targets else []
    for document, sections in documents:
        if document.id in choice.ids("d"):
            found.append(Target(campaign, document))
        every = document.id in choice.ids("a")
        found += [
            Target(campaign, document, s) for s in sections if every or s.id in choice.ids("s")
        ]
    return found


def _owners(reach: PosterReach, choice: Choice) -> list[Unit | None] | None:
    """Whose codes, campaign-wide first, then the units in the tree's order; None if one is
    not within the official's reach."""
    if choice.campaign_wide and not reach.campaign_wide:
        return None
    units = {u.id: u for u, _depth in reach.units}
    if not set(choice.units) <= set(units):
        return None
    levels = set(choice.levels)
    chosen = set(choice.units)
    owners: list[Unit | None] = [None] if choice.campaign_wide else []
    owners += [u for u, _depth in reach.units if u.id in chosen or u.level in levels]
    return owners


def _footer(reach: PosterReach, owner: Unit | None) -> str:
    """The name at a poster's foot: the unit whose code it is; for a campaign-wide code, the
    official's unit (as ``/qr`` prints)."""
    return reach.printer.unit.name if owner is None else owner.name


def _form(
    plan: Plan,
    documents: Sequence[tuple[Document, list[Section]]],
    campaigns: Sequence[Campaign],
    *,
    ticked: bool,
) -> dict[str, object]:
    choice, reach = plan.choice, plan.reach
    fresh = not ticked
    targets = set(choice.targets)
    units = set(choice.units)
    listed = _listed(reach)
    levels: dict[UnitLevel, int] = {}
    for unit, _depth in reach.units:
        levels[unit.level] = levels.get(unit.level, 0) + 1
    return {
        "campaigns": campaigns,
        "campaign": plan.campaign,
        "whole_ticked": "c" in targets,
        "documents": [
            {
                "id": document.id,
                "title": document.title,
                "ticked": f"d{document.id}" in targets,
                "every": f"a{document.id}" in targets,
                "sections": [(s.id, section_name(s), f"s{s.id}" in targets) for s in sections],
            }
            for document, sections in documents
        ],
        "wide": reach.campaign_wide,
        "wide_ticked": choice.campaign_wide or (fresh and reach.campaign_wide),
        "signer": reach.printer.unit.name,
        # A fresh form offers the official's own code: campaign-wide, or their units'.
        "units": [
            (
                u.id,
                u.name,
                depth,
                u.id in units or (fresh and depth == 0 and not reach.campaign_wide),
            )
            for u, depth in listed
        ],
        "more": len(reach.units) - len(listed),
        "levels": [
            (level.value, level_noun(level), count, level in choice.levels)
            for level, count in levels.items()
        ],
        "size": choice.size,
        "report": choice.report,
        "limit": MAX_POSTERS,
    }


def _listed(reach: PosterReach) -> list[tuple[Unit, int]]:
    """The units shown one by one: every depth that fits in ``UNITS_LISTED`` with those above."""
    if len(reach.units) <= UNITS_LISTED:
        return list(reach.units)
    depth = 0
    while sum(1 for _u, d in reach.units if d <= depth) <= UNITS_LISTED:
        depth += 1
    return [(u, d) for u, d in reach.units if d < depth]


def _see(call: DeskCall, path: str, choice: Choice) -> web.Response:
    """303 to ``path`` with the choice in its query (a repeated name, which ``redirect``'s
    keywords cannot carry)."""
    location = f"{call.desk.href(path)}?{choice.query()}"
    return web.Response(status=303, headers={"Location": location})


def _bad(call: DeskCall) -> web.Response:
    return call.bad_form(
        lambda: _("This choice of posters is not one the form sends. Please choose again.")
    )


def routes() -> list[DeskRoute]:
    return [
        DeskRoute("GET", paths.POSTERS, posters),
        DeskRoute("GET", paths.POSTERS_PRINT, print_page),
        DeskRoute("POST", paths.POSTERS_PRINT, make_codes),
        DeskRoute("GET", paths.POSTERS_PDF, pdf),
    ]
